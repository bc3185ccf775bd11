file(REMOVE_RECURSE
  "CMakeFiles/booking_cli.dir/bench_print.c.o"
  "CMakeFiles/booking_cli.dir/bench_print.c.o.d"
  "CMakeFiles/booking_cli.dir/cli_backend.c.o"
  "CMakeFiles/booking_cli.dir/cli_backend.c.o.d"
  "CMakeFiles/booking_cli.dir/cli_common.c.o"
  "CMakeFiles/booking_cli.dir/cli_common.c.o.d"
  "CMakeFiles/booking_cli.dir/cli_http.c.o"
  "CMakeFiles/booking_cli.dir/cli_http.c.o.d"
  "CMakeFiles/booking_cli.dir/cli_notify.c.o"
  "CMakeFiles/booking_cli.dir/cli_notify.c.o.d"
  "CMakeFiles/booking_cli.dir/cli_reply.c.o"
  "CMakeFiles/booking_cli.dir/cli_reply.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_attempt.c.o"
  "CMakeFiles/booking_cli.dir/cmd_attempt.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_backup.c.o"
  "CMakeFiles/booking_cli.dir/cmd_backup.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_bench.c.o"
  "CMakeFiles/booking_cli.dir/cmd_bench.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_check.c.o"
  "CMakeFiles/booking_cli.dir/cmd_check.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_list.c.o"
  "CMakeFiles/booking_cli.dir/cmd_list.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_manage.c.o"
  "CMakeFiles/booking_cli.dir/cmd_manage.c.o.d"
  "CMakeFiles/booking_cli.dir/cmd_serve.c.o"
  "CMakeFiles/booking_cli.dir/cmd_serve.c.o.d"
  "libbooking_cli.a"
  "libbooking_cli.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
