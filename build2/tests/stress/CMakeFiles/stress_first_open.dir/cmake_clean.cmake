file(REMOVE_RECURSE
  "CMakeFiles/stress_first_open.dir/stress_first_open.c.o"
  "CMakeFiles/stress_first_open.dir/stress_first_open.c.o.d"
  "stress_first_open"
  "stress_first_open.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/stress_first_open.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
