file(REMOVE_RECURSE
  "CMakeFiles/test_request_decode.dir/test_request_decode.c.o"
  "CMakeFiles/test_request_decode.dir/test_request_decode.c.o.d"
  "test_request_decode"
  "test_request_decode.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_request_decode.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
