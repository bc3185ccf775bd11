file(REMOVE_RECURSE
  "CMakeFiles/fault_injection.dir/fault_injection.c.o"
  "CMakeFiles/fault_injection.dir/fault_injection.c.o.d"
  "CMakeFiles/fault_injection.dir/sqlite_fault_vfs.c.o"
  "CMakeFiles/fault_injection.dir/sqlite_fault_vfs.c.o.d"
  "fault_injection"
  "fault_injection.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fault_injection.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
