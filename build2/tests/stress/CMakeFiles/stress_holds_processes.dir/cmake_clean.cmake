file(REMOVE_RECURSE
  "CMakeFiles/stress_holds_processes.dir/stress_holds_processes.c.o"
  "CMakeFiles/stress_holds_processes.dir/stress_holds_processes.c.o.d"
  "stress_holds_processes"
  "stress_holds_processes.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_holds_processes.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
