file(REMOVE_RECURSE
  "CMakeFiles/test_json_outcome.dir/test_json_outcome.c.o"
  "CMakeFiles/test_json_outcome.dir/test_json_outcome.c.o.d"
  "test_json_outcome"
  "test_json_outcome.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_json_outcome.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
