file(REMOVE_RECURSE
  "CMakeFiles/stress_bundles_threads.dir/stress_bundles_threads.c.o"
  "CMakeFiles/stress_bundles_threads.dir/stress_bundles_threads.c.o.d"
  "stress_bundles_threads"
  "stress_bundles_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_bundles_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
