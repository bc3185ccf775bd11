file(REMOVE_RECURSE
  "CMakeFiles/stress_holds_crash.dir/stress_holds_crash.c.o"
  "CMakeFiles/stress_holds_crash.dir/stress_holds_crash.c.o.d"
  "stress_holds_crash"
  "stress_holds_crash.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_holds_crash.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
