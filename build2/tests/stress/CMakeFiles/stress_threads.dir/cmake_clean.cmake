file(REMOVE_RECURSE
  "CMakeFiles/stress_threads.dir/stress_threads.c.o"
  "CMakeFiles/stress_threads.dir/stress_threads.c.o.d"
  "stress_threads"
  "stress_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
