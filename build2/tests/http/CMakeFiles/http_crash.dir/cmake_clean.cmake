file(REMOVE_RECURSE
  "CMakeFiles/http_crash.dir/test_http_crash.c.o"
  "CMakeFiles/http_crash.dir/test_http_crash.c.o.d"
  "http_crash"
  "http_crash.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_crash.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
