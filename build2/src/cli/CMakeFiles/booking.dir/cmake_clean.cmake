file(REMOVE_RECURSE
  "../../booking"
  "../../booking.pdb"
  "CMakeFiles/booking.dir/main.c.o"
  "CMakeFiles/booking.dir/main.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
