file(REMOVE_RECURSE
  "CMakeFiles/booking_stress_holds.dir/stress_holds.c.o"
  "CMakeFiles/booking_stress_holds.dir/stress_holds.c.o.d"
  "CMakeFiles/booking_stress_holds.dir/stress_holds_check.c.o"
  "CMakeFiles/booking_stress_holds.dir/stress_holds_check.c.o.d"
  "CMakeFiles/booking_stress_holds.dir/stress_holds_rules.c.o"
  "CMakeFiles/booking_stress_holds.dir/stress_holds_rules.c.o.d"
  "libbooking_stress_holds.a"
  "libbooking_stress_holds.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_stress_holds.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
