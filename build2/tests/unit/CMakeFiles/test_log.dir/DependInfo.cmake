
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/tests/unit/test_log.c" "tests/unit/CMakeFiles/test_log.dir/test_log.c.o" "gcc" "tests/unit/CMakeFiles/test_log.dir/test_log.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/tests/CMakeFiles/booking_test_support.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/server/CMakeFiles/booking_server.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/json/CMakeFiles/booking_request_decode.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/json/CMakeFiles/booking_json.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/server/CMakeFiles/booking_openapi.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
