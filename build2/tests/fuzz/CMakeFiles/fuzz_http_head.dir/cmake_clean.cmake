file(REMOVE_RECURSE
  "CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_guard.c.o"
  "CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_guard.c.o.d"
  "CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_head.c.o"
  "CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_head.c.o.d"
  "CMakeFiles/fuzz_http_head.dir/fuzz_http_head.c.o"
  "CMakeFiles/fuzz_http_head.dir/fuzz_http_head.c.o.d"
  "CMakeFiles/fuzz_http_head.dir/replay_main.c.o"
  "CMakeFiles/fuzz_http_head.dir/replay_main.c.o.d"
  "fuzz_http_head"
  "fuzz_http_head.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_http_head.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
