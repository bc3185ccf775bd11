
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/tests/check/check_bounds_agree_test.c" "tests/check/CMakeFiles/check_bounds_and_twins_agree_with_search_alone_on_random_histories.dir/check_bounds_agree_test.c.o" "gcc" "tests/check/CMakeFiles/check_bounds_and_twins_agree_with_search_alone_on_random_histories.dir/check_bounds_agree_test.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/tests/CMakeFiles/booking_test_support.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/check/CMakeFiles/booking_check.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/history/CMakeFiles/booking_history.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
