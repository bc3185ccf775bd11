file(REMOVE_RECURSE
  "CMakeFiles/http_bad_input.dir/test_http_bad_input.c.o"
  "CMakeFiles/http_bad_input.dir/test_http_bad_input.c.o.d"
  "http_bad_input"
  "http_bad_input.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_bad_input.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
