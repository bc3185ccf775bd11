file(REMOVE_RECURSE
  "CMakeFiles/test_memory_growth.dir/test_memory_growth.c.o"
  "CMakeFiles/test_memory_growth.dir/test_memory_growth.c.o.d"
  "test_memory_growth"
  "test_memory_growth.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_memory_growth.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
