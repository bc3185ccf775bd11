
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt-sqlite-2/src/lib/booking.c" "src/CMakeFiles/booking_static.dir/lib/booking.c.o" "gcc" "src/CMakeFiles/booking_static.dir/lib/booking.c.o.d"
  "/work/wt-sqlite-2/src/store/id_table.c" "src/CMakeFiles/booking_static.dir/store/id_table.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/id_table.c.o.d"
  "/work/wt-sqlite-2/src/store/memory.c" "src/CMakeFiles/booking_static.dir/store/memory.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/memory.c.o.d"
  "/work/wt-sqlite-2/src/store/memory_index.c" "src/CMakeFiles/booking_static.dir/store/memory_index.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/memory_index.c.o.d"
  "/work/wt-sqlite-2/src/store/memory_table.c" "src/CMakeFiles/booking_static.dir/store/memory_table.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/memory_table.c.o.d"
  "/work/wt-sqlite-2/src/store/postgres.c" "src/CMakeFiles/booking_static.dir/store/postgres.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/postgres.c.o.d"
  "/work/wt-sqlite-2/src/store/postgres_batch.c" "src/CMakeFiles/booking_static.dir/store/postgres_batch.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/postgres_batch.c.o.d"
  "/work/wt-sqlite-2/src/store/postgres_conn.c" "src/CMakeFiles/booking_static.dir/store/postgres_conn.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/postgres_conn.c.o.d"
  "/work/wt-sqlite-2/src/store/postgres_route.c" "src/CMakeFiles/booking_static.dir/store/postgres_route.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/postgres_route.c.o.d"
  "/work/wt-sqlite-2/src/store/postgres_schema.c" "src/CMakeFiles/booking_static.dir/store/postgres_schema.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/postgres_schema.c.o.d"
  "/work/wt-sqlite-2/src/store/resource_overlay.c" "src/CMakeFiles/booking_static.dir/store/resource_overlay.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/resource_overlay.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite.c" "src/CMakeFiles/booking_static.dir/store/sqlite.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite_conn.c" "src/CMakeFiles/booking_static.dir/store/sqlite_conn.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite_conn.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite_index.c" "src/CMakeFiles/booking_static.dir/store/sqlite_index.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite_index.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite_list.c" "src/CMakeFiles/booking_static.dir/store/sqlite_list.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite_list.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite_row.c" "src/CMakeFiles/booking_static.dir/store/sqlite_row.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite_row.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite_run.c" "src/CMakeFiles/booking_static.dir/store/sqlite_run.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite_run.c.o.d"
  "/work/wt-sqlite-2/src/store/sqlite_schema.c" "src/CMakeFiles/booking_static.dir/store/sqlite_schema.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/sqlite_schema.c.o.d"
  "/work/wt-sqlite-2/src/store/store_common.c" "src/CMakeFiles/booking_static.dir/store/store_common.c.o" "gcc" "src/CMakeFiles/booking_static.dir/store/store_common.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt-sqlite-2/build2/src/CMakeFiles/booking_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
