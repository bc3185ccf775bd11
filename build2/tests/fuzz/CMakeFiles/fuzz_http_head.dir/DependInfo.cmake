
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/server/http_guard.c" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_guard.c.o" "gcc" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_guard.c.o.d"
  "/work/wt-sqlite-2/src/server/http_head.c" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_head.c.o" "gcc" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/__/__/src/server/http_head.c.o.d"
  "/work/wt-sqlite-2/tests/fuzz/fuzz_http_head.c" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/fuzz_http_head.c.o" "gcc" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/fuzz_http_head.c.o.d"
  "/work/wt-sqlite-2/tests/fuzz/replay_main.c" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/replay_main.c.o" "gcc" "tests/fuzz/CMakeFiles/fuzz_http_head.dir/replay_main.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
