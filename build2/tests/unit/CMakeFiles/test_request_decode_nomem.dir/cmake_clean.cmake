file(REMOVE_RECURSE
  "CMakeFiles/test_request_decode_nomem.dir/test_request_decode_nomem.c.o"
  "CMakeFiles/test_request_decode_nomem.dir/test_request_decode_nomem.c.o.d"
  "test_request_decode_nomem"
  "test_request_decode_nomem.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_request_decode_nomem.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
