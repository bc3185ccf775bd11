file(REMOVE_RECURSE
  "CMakeFiles/booking_stress_bundles.dir/stress_bundles.c.o"
  "CMakeFiles/booking_stress_bundles.dir/stress_bundles.c.o.d"
  "CMakeFiles/booking_stress_bundles.dir/stress_bundles_check.c.o"
  "CMakeFiles/booking_stress_bundles.dir/stress_bundles_check.c.o.d"
  "libbooking_stress_bundles.a"
  "libbooking_stress_bundles.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_stress_bundles.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
