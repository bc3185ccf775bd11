file(REMOVE_RECURSE
  "CMakeFiles/sqlite_sync_count.dir/sqlite_fault_vfs.c.o"
  "CMakeFiles/sqlite_sync_count.dir/sqlite_fault_vfs.c.o.d"
  "CMakeFiles/sqlite_sync_count.dir/sqlite_sync_count.c.o"
  "CMakeFiles/sqlite_sync_count.dir/sqlite_sync_count.c.o.d"
  "sqlite_sync_count"
  "sqlite_sync_count.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sqlite_sync_count.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
