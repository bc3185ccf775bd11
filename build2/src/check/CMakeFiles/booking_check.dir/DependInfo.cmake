
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/check/check.c" "src/check/CMakeFiles/booking_check.dir/check.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check.c.o.d"
  "/work/wt-sqlite-2/src/check/check_bounds.c" "src/check/CMakeFiles/booking_check.dir/check_bounds.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_bounds.c.o.d"
  "/work/wt-sqlite-2/src/check/check_cheap.c" "src/check/CMakeFiles/booking_check.dir/check_cheap.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_cheap.c.o.d"
  "/work/wt-sqlite-2/src/check/check_history.c" "src/check/CMakeFiles/booking_check.dir/check_history.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_history.c.o.d"
  "/work/wt-sqlite-2/src/check/check_model.c" "src/check/CMakeFiles/booking_check.dir/check_model.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_model.c.o.d"
  "/work/wt-sqlite-2/src/check/check_parse.c" "src/check/CMakeFiles/booking_check.dir/check_parse.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_parse.c.o.d"
  "/work/wt-sqlite-2/src/check/check_report.c" "src/check/CMakeFiles/booking_check.dir/check_report.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_report.c.o.d"
  "/work/wt-sqlite-2/src/check/check_search.c" "src/check/CMakeFiles/booking_check.dir/check_search.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/check_search.c.o.d"
  "/work/wt-sqlite-2/src/check/history_record.c" "src/check/CMakeFiles/booking_check.dir/history_record.c.o" "gcc" "src/check/CMakeFiles/booking_check.dir/history_record.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/src/history/CMakeFiles/booking_history.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
