file(REMOVE_RECURSE
  "CMakeFiles/http_api.dir/test_http_api.c.o"
  "CMakeFiles/http_api.dir/test_http_api.c.o.d"
  "http_api"
  "http_api.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_api.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
