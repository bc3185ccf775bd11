
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/tests/loadgen/loadgen_ids_test.c" "tests/loadgen/CMakeFiles/loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.dir/loadgen_ids_test.c.o" "gcc" "tests/loadgen/CMakeFiles/loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.dir/loadgen_ids_test.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/tests/CMakeFiles/booking_test_support.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/loadgen/CMakeFiles/booking_loadgen.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/history/CMakeFiles/booking_history.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
