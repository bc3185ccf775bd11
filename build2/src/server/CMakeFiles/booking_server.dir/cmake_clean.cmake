file(REMOVE_RECURSE
  "CMakeFiles/booking_server.dir/committer.c.o"
  "CMakeFiles/booking_server.dir/committer.c.o.d"
  "CMakeFiles/booking_server.dir/endpoints.c.o"
  "CMakeFiles/booking_server.dir/endpoints.c.o.d"
  "CMakeFiles/booking_server.dir/gate.c.o"
  "CMakeFiles/booking_server.dir/gate.c.o.d"
  "CMakeFiles/booking_server.dir/http_chunked.c.o"
  "CMakeFiles/booking_server.dir/http_chunked.c.o.d"
  "CMakeFiles/booking_server.dir/http_conn.c.o"
  "CMakeFiles/booking_server.dir/http_conn.c.o.d"
  "CMakeFiles/booking_server.dir/http_guard.c.o"
  "CMakeFiles/booking_server.dir/http_guard.c.o.d"
  "CMakeFiles/booking_server.dir/http_head.c.o"
  "CMakeFiles/booking_server.dir/http_head.c.o.d"
  "CMakeFiles/booking_server.dir/http_loop.c.o"
  "CMakeFiles/booking_server.dir/http_loop.c.o.d"
  "CMakeFiles/booking_server.dir/list_query.c.o"
  "CMakeFiles/booking_server.dir/list_query.c.o.d"
  "CMakeFiles/booking_server.dir/log.c.o"
  "CMakeFiles/booking_server.dir/log.c.o.d"
  "CMakeFiles/booking_server.dir/metrics.c.o"
  "CMakeFiles/booking_server.dir/metrics.c.o.d"
  "CMakeFiles/booking_server.dir/problem.c.o"
  "CMakeFiles/booking_server.dir/problem.c.o.d"
  "CMakeFiles/booking_server.dir/process_metrics.c.o"
  "CMakeFiles/booking_server.dir/process_metrics.c.o.d"
  "CMakeFiles/booking_server.dir/server.c.o"
  "CMakeFiles/booking_server.dir/server.c.o.d"
  "libbooking_server.a"
  "libbooking_server.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_server.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
