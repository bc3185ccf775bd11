
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/tests/fuzz/fuzz_history_parse.c" "tests/fuzz/CMakeFiles/fuzz_history_parse.dir/fuzz_history_parse.c.o" "gcc" "tests/fuzz/CMakeFiles/fuzz_history_parse.dir/fuzz_history_parse.c.o.d"
  "/work/wt-sqlite-2/tests/fuzz/replay_main.c" "tests/fuzz/CMakeFiles/fuzz_history_parse.dir/replay_main.c.o" "gcc" "tests/fuzz/CMakeFiles/fuzz_history_parse.dir/replay_main.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/src/check/CMakeFiles/booking_check.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/history/CMakeFiles/booking_history.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
