file(REMOVE_RECURSE
  "CMakeFiles/booking_history.dir/history_read.c.o"
  "CMakeFiles/booking_history.dir/history_read.c.o.d"
  "CMakeFiles/booking_history.dir/history_write.c.o"
  "CMakeFiles/booking_history.dir/history_write.c.o.d"
  "libbooking_history.a"
  "libbooking_history.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_history.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
