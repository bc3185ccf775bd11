file(REMOVE_RECURSE
  "CMakeFiles/booking_loadgen.dir/http_client.c.o"
  "CMakeFiles/booking_loadgen.dir/http_client.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_answer.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_answer.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_config.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_config.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_holds.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_holds.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_http.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_http.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_http_conn.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_http_conn.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_inproc.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_inproc.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_pick.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_pick.c.o.d"
  "CMakeFiles/booking_loadgen.dir/loadgen_stats.c.o"
  "CMakeFiles/booking_loadgen.dir/loadgen_stats.c.o.d"
  "libbooking_loadgen.a"
  "libbooking_loadgen.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_loadgen.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
