file(REMOVE_RECURSE
  "CMakeFiles/check_recorded_threads.dir/check_threads_test.c.o"
  "CMakeFiles/check_recorded_threads.dir/check_threads_test.c.o.d"
  "check_recorded_threads"
  "check_recorded_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/check_recorded_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
