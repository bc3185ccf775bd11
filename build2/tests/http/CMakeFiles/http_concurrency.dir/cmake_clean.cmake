file(REMOVE_RECURSE
  "CMakeFiles/http_concurrency.dir/test_http_concurrency.c.o"
  "CMakeFiles/http_concurrency.dir/test_http_concurrency.c.o.d"
  "http_concurrency"
  "http_concurrency.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_concurrency.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
