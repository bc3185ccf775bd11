
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/tests/conformance/conformance.c" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance.c.o" "gcc" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance.c.o.d"
  "/work/wt-sqlite-2/tests/conformance/conformance_bundles.c" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_bundles.c.o" "gcc" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_bundles.c.o.d"
  "/work/wt-sqlite-2/tests/conformance/conformance_changes.c" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_changes.c.o" "gcc" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_changes.c.o.d"
  "/work/wt-sqlite-2/tests/conformance/conformance_holds.c" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_holds.c.o" "gcc" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_holds.c.o.d"
  "/work/wt-sqlite-2/tests/conformance/conformance_ledger.c" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_ledger.c.o" "gcc" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_ledger.c.o.d"
  "/work/wt-sqlite-2/tests/conformance/conformance_listing.c" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_listing.c.o" "gcc" "tests/conformance/CMakeFiles/booking_conformance.dir/conformance_listing.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/tests/CMakeFiles/booking_test_support.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_static.dir/DependInfo.cmake"
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
