
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/loadgen/http_client.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/http_client.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/http_client.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_answer.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_answer.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_answer.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_config.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_config.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_config.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_holds.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_holds.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_holds.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_http.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_http.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_http.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_http_conn.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_http_conn.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_http_conn.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_inproc.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_inproc.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_inproc.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_pick.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_pick.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_pick.c.o.d"
  "/work/wt-sqlite-2/src/loadgen/loadgen_stats.c" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_stats.c.o" "gcc" "src/loadgen/CMakeFiles/booking_loadgen.dir/loadgen_stats.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/src/history/CMakeFiles/booking_history.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
