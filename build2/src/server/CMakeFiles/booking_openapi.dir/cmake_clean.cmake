file(REMOVE_RECURSE
  "CMakeFiles/booking_openapi.dir/embed-booking_openapi/booking_openapi_json.c.o"
  "CMakeFiles/booking_openapi.dir/embed-booking_openapi/booking_openapi_json.c.o.d"
  "embed-booking_openapi/booking_openapi_json.c"
  "embed-booking_openapi/booking_openapi_json.h"
  "libbooking_openapi.a"
  "libbooking_openapi.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_openapi.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
