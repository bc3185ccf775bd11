file(REMOVE_RECURSE
  "CMakeFiles/test_last_error.dir/test_last_error.c.o"
  "CMakeFiles/test_last_error.dir/test_last_error.c.o.d"
  "test_last_error"
  "test_last_error.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_last_error.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
