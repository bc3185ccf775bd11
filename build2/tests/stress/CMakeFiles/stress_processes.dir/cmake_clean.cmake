file(REMOVE_RECURSE
  "CMakeFiles/stress_processes.dir/stress_processes.c.o"
  "CMakeFiles/stress_processes.dir/stress_processes.c.o.d"
  "stress_processes"
  "stress_processes.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_processes.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
