
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/server/committer.c" "src/server/CMakeFiles/booking_server.dir/committer.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/committer.c.o.d"
  "/work/wt-sqlite-2/src/server/endpoints.c" "src/server/CMakeFiles/booking_server.dir/endpoints.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/endpoints.c.o.d"
  "/work/wt-sqlite-2/src/server/gate.c" "src/server/CMakeFiles/booking_server.dir/gate.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/gate.c.o.d"
  "/work/wt-sqlite-2/src/server/http_chunked.c" "src/server/CMakeFiles/booking_server.dir/http_chunked.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/http_chunked.c.o.d"
  "/work/wt-sqlite-2/src/server/http_conn.c" "src/server/CMakeFiles/booking_server.dir/http_conn.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/http_conn.c.o.d"
  "/work/wt-sqlite-2/src/server/http_guard.c" "src/server/CMakeFiles/booking_server.dir/http_guard.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/http_guard.c.o.d"
  "/work/wt-sqlite-2/src/server/http_head.c" "src/server/CMakeFiles/booking_server.dir/http_head.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/http_head.c.o.d"
  "/work/wt-sqlite-2/src/server/http_loop.c" "src/server/CMakeFiles/booking_server.dir/http_loop.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/http_loop.c.o.d"
  "/work/wt-sqlite-2/src/server/list_query.c" "src/server/CMakeFiles/booking_server.dir/list_query.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/list_query.c.o.d"
  "/work/wt-sqlite-2/src/server/log.c" "src/server/CMakeFiles/booking_server.dir/log.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/log.c.o.d"
  "/work/wt-sqlite-2/src/server/metrics.c" "src/server/CMakeFiles/booking_server.dir/metrics.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/metrics.c.o.d"
  "/work/wt-sqlite-2/src/server/problem.c" "src/server/CMakeFiles/booking_server.dir/problem.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/problem.c.o.d"
  "/work/wt-sqlite-2/src/server/process_metrics.c" "src/server/CMakeFiles/booking_server.dir/process_metrics.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/process_metrics.c.o.d"
  "/work/wt-sqlite-2/src/server/server.c" "src/server/CMakeFiles/booking_server.dir/server.c.o" "gcc" "src/server/CMakeFiles/booking_server.dir/server.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/src/json/CMakeFiles/booking_request_decode.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/json/CMakeFiles/booking_json.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/server/CMakeFiles/booking_openapi.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
