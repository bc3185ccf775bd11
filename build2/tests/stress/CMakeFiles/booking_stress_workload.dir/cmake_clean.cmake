file(REMOVE_RECURSE
  "CMakeFiles/booking_stress_workload.dir/stress_rules.c.o"
  "CMakeFiles/booking_stress_workload.dir/stress_rules.c.o.d"
  "CMakeFiles/booking_stress_workload.dir/stress_workload.c.o"
  "CMakeFiles/booking_stress_workload.dir/stress_workload.c.o.d"
  "libbooking_stress_workload.a"
  "libbooking_stress_workload.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_stress_workload.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
