file(REMOVE_RECURSE
  "CMakeFiles/booking_check.dir/check.c.o"
  "CMakeFiles/booking_check.dir/check.c.o.d"
  "CMakeFiles/booking_check.dir/check_bounds.c.o"
  "CMakeFiles/booking_check.dir/check_bounds.c.o.d"
  "CMakeFiles/booking_check.dir/check_cheap.c.o"
  "CMakeFiles/booking_check.dir/check_cheap.c.o.d"
  "CMakeFiles/booking_check.dir/check_history.c.o"
  "CMakeFiles/booking_check.dir/check_history.c.o.d"
  "CMakeFiles/booking_check.dir/check_model.c.o"
  "CMakeFiles/booking_check.dir/check_model.c.o.d"
  "CMakeFiles/booking_check.dir/check_parse.c.o"
  "CMakeFiles/booking_check.dir/check_parse.c.o.d"
  "CMakeFiles/booking_check.dir/check_report.c.o"
  "CMakeFiles/booking_check.dir/check_report.c.o.d"
  "CMakeFiles/booking_check.dir/check_search.c.o"
  "CMakeFiles/booking_check.dir/check_search.c.o.d"
  "CMakeFiles/booking_check.dir/history_record.c.o"
  "CMakeFiles/booking_check.dir/history_record.c.o.d"
  "libbooking_check.a"
  "libbooking_check.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_check.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
