file(REMOVE_RECURSE
  "CMakeFiles/booking_failalloc.dir/failalloc.c.o"
  "CMakeFiles/booking_failalloc.dir/failalloc.c.o.d"
  "libbooking_failalloc.pdb"
  "libbooking_failalloc.so"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_failalloc.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
