file(REMOVE_RECURSE
  "CMakeFiles/booking_request_decode.dir/json_alloc.c.o"
  "CMakeFiles/booking_request_decode.dir/json_alloc.c.o.d"
  "CMakeFiles/booking_request_decode.dir/request_decode.c.o"
  "CMakeFiles/booking_request_decode.dir/request_decode.c.o.d"
  "libbooking_request_decode.a"
  "libbooking_request_decode.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_request_decode.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
