file(REMOVE_RECURSE
  "CMakeFiles/stress_holds_threads.dir/stress_holds_threads.c.o"
  "CMakeFiles/stress_holds_threads.dir/stress_holds_threads.c.o.d"
  "stress_holds_threads"
  "stress_holds_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_holds_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
