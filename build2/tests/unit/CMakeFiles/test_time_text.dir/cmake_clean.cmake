file(REMOVE_RECURSE
  "CMakeFiles/test_time_text.dir/test_time_text.c.o"
  "CMakeFiles/test_time_text.dir/test_time_text.c.o.d"
  "test_time_text"
  "test_time_text.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_time_text.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
