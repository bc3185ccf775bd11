file(REMOVE_RECURSE
  "CMakeFiles/booking_core.dir/core/decide.c.o"
  "CMakeFiles/booking_core.dir/core/decide.c.o.d"
  "CMakeFiles/booking_core.dir/core/names.c.o"
  "CMakeFiles/booking_core.dir/core/names.c.o.d"
  "CMakeFiles/booking_core.dir/core/validate.c.o"
  "CMakeFiles/booking_core.dir/core/validate.c.o.d"
  "libbooking_core.a"
  "libbooking_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
