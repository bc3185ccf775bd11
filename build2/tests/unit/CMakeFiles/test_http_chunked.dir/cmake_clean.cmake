file(REMOVE_RECURSE
  "CMakeFiles/test_http_chunked.dir/__/__/src/server/http_chunked.c.o"
  "CMakeFiles/test_http_chunked.dir/__/__/src/server/http_chunked.c.o.d"
  "CMakeFiles/test_http_chunked.dir/test_http_chunked.c.o"
  "CMakeFiles/test_http_chunked.dir/test_http_chunked.c.o.d"
  "test_http_chunked"
  "test_http_chunked.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_http_chunked.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
