file(REMOVE_RECURSE
  "CMakeFiles/fuzz_http_chunked.dir/__/__/src/server/http_chunked.c.o"
  "CMakeFiles/fuzz_http_chunked.dir/__/__/src/server/http_chunked.c.o.d"
  "CMakeFiles/fuzz_http_chunked.dir/fuzz_http_chunked.c.o"
  "CMakeFiles/fuzz_http_chunked.dir/fuzz_http_chunked.c.o.d"
  "CMakeFiles/fuzz_http_chunked.dir/replay_main.c.o"
  "CMakeFiles/fuzz_http_chunked.dir/replay_main.c.o.d"
  "fuzz_http_chunked"
  "fuzz_http_chunked.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_http_chunked.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
