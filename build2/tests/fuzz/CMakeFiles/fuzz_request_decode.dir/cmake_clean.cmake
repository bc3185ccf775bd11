file(REMOVE_RECURSE
  "CMakeFiles/fuzz_request_decode.dir/fuzz_request_decode.c.o"
  "CMakeFiles/fuzz_request_decode.dir/fuzz_request_decode.c.o.d"
  "CMakeFiles/fuzz_request_decode.dir/replay_main.c.o"
  "CMakeFiles/fuzz_request_decode.dir/replay_main.c.o.d"
  "fuzz_request_decode"
  "fuzz_request_decode.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_request_decode.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
