file(REMOVE_RECURSE
  "CMakeFiles/fuzz_http_guard.dir/__/__/src/server/http_guard.c.o"
  "CMakeFiles/fuzz_http_guard.dir/__/__/src/server/http_guard.c.o.d"
  "CMakeFiles/fuzz_http_guard.dir/fuzz_http_guard.c.o"
  "CMakeFiles/fuzz_http_guard.dir/fuzz_http_guard.c.o.d"
  "CMakeFiles/fuzz_http_guard.dir/replay_main.c.o"
  "CMakeFiles/fuzz_http_guard.dir/replay_main.c.o.d"
  "fuzz_http_guard"
  "fuzz_http_guard.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_http_guard.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
