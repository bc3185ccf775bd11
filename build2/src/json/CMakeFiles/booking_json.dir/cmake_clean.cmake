file(REMOVE_RECURSE
  "CMakeFiles/booking_json.dir/booking_json.c.o"
  "CMakeFiles/booking_json.dir/booking_json.c.o.d"
  "libbooking_json.a"
  "libbooking_json.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_json.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
