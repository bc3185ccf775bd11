file(REMOVE_RECURSE
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_chunked.c.o"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_chunked.c.o.d"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_conn.c.o"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_conn.c.o.d"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_guard.c.o"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_guard.c.o.d"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_head.c.o"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/http_head.c.o.d"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/problem.c.o"
  "CMakeFiles/fuzz_http_conn.dir/__/__/src/server/problem.c.o.d"
  "CMakeFiles/fuzz_http_conn.dir/fuzz_http_conn.c.o"
  "CMakeFiles/fuzz_http_conn.dir/fuzz_http_conn.c.o.d"
  "CMakeFiles/fuzz_http_conn.dir/replay_main.c.o"
  "CMakeFiles/fuzz_http_conn.dir/replay_main.c.o.d"
  "fuzz_http_conn"
  "fuzz_http_conn.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_http_conn.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
