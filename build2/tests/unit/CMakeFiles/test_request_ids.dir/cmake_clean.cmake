file(REMOVE_RECURSE
  "CMakeFiles/test_request_ids.dir/test_request_ids.c.o"
  "CMakeFiles/test_request_ids.dir/test_request_ids.c.o.d"
  "test_request_ids"
  "test_request_ids.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_request_ids.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
