file(REMOVE_RECURSE
  "CMakeFiles/stress_bundles_processes.dir/stress_bundles_processes.c.o"
  "CMakeFiles/stress_bundles_processes.dir/stress_bundles_processes.c.o.d"
  "stress_bundles_processes"
  "stress_bundles_processes.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_bundles_processes.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
