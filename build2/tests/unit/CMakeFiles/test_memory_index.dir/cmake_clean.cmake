file(REMOVE_RECURSE
  "CMakeFiles/test_memory_index.dir/test_memory_index.c.o"
  "CMakeFiles/test_memory_index.dir/test_memory_index.c.o.d"
  "test_memory_index"
  "test_memory_index.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_memory_index.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
