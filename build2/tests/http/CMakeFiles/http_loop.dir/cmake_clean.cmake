file(REMOVE_RECURSE
  "CMakeFiles/http_loop.dir/test_http_loop.c.o"
  "CMakeFiles/http_loop.dir/test_http_loop.c.o.d"
  "http_loop"
  "http_loop.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_loop.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
