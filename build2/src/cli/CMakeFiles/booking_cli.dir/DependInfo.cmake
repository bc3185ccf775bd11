
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/cli/bench_print.c" "src/cli/CMakeFiles/booking_cli.dir/bench_print.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/bench_print.c.o.d"
  "/work/wt-sqlite-2/src/cli/cli_backend.c" "src/cli/CMakeFiles/booking_cli.dir/cli_backend.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cli_backend.c.o.d"
  "/work/wt-sqlite-2/src/cli/cli_common.c" "src/cli/CMakeFiles/booking_cli.dir/cli_common.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cli_common.c.o.d"
  "/work/wt-sqlite-2/src/cli/cli_http.c" "src/cli/CMakeFiles/booking_cli.dir/cli_http.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cli_http.c.o.d"
  "/work/wt-sqlite-2/src/cli/cli_notify.c" "src/cli/CMakeFiles/booking_cli.dir/cli_notify.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cli_notify.c.o.d"
  "/work/wt-sqlite-2/src/cli/cli_reply.c" "src/cli/CMakeFiles/booking_cli.dir/cli_reply.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cli_reply.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_attempt.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_attempt.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_attempt.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_backup.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_backup.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_backup.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_bench.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_bench.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_bench.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_check.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_check.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_check.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_list.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_list.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_list.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_manage.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_manage.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_manage.c.o.d"
  "/work/wt-sqlite-2/src/cli/cmd_serve.c" "src/cli/CMakeFiles/booking_cli.dir/cmd_serve.c.o" "gcc" "src/cli/CMakeFiles/booking_cli.dir/cmd_serve.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/src/json/CMakeFiles/booking_json.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/loadgen/CMakeFiles/booking_loadgen.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/server/CMakeFiles/booking_server.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/check/CMakeFiles/booking_check.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/json/CMakeFiles/booking_request_decode.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/server/CMakeFiles/booking_openapi.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/history/CMakeFiles/booking_history.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
