
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/core/decide.c" "src/CMakeFiles/booking_core.dir/core/decide.c.o" "gcc" "src/CMakeFiles/booking_core.dir/core/decide.c.o.d"
  "/work/wt-sqlite-2/src/core/names.c" "src/CMakeFiles/booking_core.dir/core/names.c.o" "gcc" "src/CMakeFiles/booking_core.dir/core/names.c.o.d"
  "/work/wt-sqlite-2/src/core/validate.c" "src/CMakeFiles/booking_core.dir/core/validate.c.o" "gcc" "src/CMakeFiles/booking_core.dir/core/validate.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
