file(REMOVE_RECURSE
  "CMakeFiles/booking_pg_test.dir/pg_test.c.o"
  "CMakeFiles/booking_pg_test.dir/pg_test.c.o.d"
  "libbooking_pg_test.a"
  "libbooking_pg_test.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_pg_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
