file(REMOVE_RECURSE
  "CMakeFiles/fault_stress.dir/fault_stress.c.o"
  "CMakeFiles/fault_stress.dir/fault_stress.c.o.d"
  "CMakeFiles/fault_stress.dir/sqlite_fault_vfs.c.o"
  "CMakeFiles/fault_stress.dir/sqlite_fault_vfs.c.o.d"
  "fault_stress"
  "fault_stress.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fault_stress.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
