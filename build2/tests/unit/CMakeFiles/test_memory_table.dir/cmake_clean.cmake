file(REMOVE_RECURSE
  "CMakeFiles/test_memory_table.dir/test_memory_table.c.o"
  "CMakeFiles/test_memory_table.dir/test_memory_table.c.o.d"
  "test_memory_table"
  "test_memory_table.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_memory_table.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
