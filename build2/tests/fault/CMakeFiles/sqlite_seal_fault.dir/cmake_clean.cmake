file(REMOVE_RECURSE
  "CMakeFiles/sqlite_seal_fault.dir/sqlite_fault_vfs.c.o"
  "CMakeFiles/sqlite_seal_fault.dir/sqlite_fault_vfs.c.o.d"
  "CMakeFiles/sqlite_seal_fault.dir/sqlite_seal_fault.c.o"
  "CMakeFiles/sqlite_seal_fault.dir/sqlite_seal_fault.c.o.d"
  "sqlite_seal_fault"
  "sqlite_seal_fault.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sqlite_seal_fault.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
