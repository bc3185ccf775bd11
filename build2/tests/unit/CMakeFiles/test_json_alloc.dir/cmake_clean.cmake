file(REMOVE_RECURSE
  "CMakeFiles/test_json_alloc.dir/test_json_alloc.c.o"
  "CMakeFiles/test_json_alloc.dir/test_json_alloc.c.o.d"
  "test_json_alloc"
  "test_json_alloc.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_json_alloc.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
