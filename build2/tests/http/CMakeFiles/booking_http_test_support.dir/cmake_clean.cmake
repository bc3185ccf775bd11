file(REMOVE_RECURSE
  "CMakeFiles/booking_http_test_support.dir/http_support.c.o"
  "CMakeFiles/booking_http_test_support.dir/http_support.c.o.d"
  "libbooking_http_test_support.a"
  "libbooking_http_test_support.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_http_test_support.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
