file(REMOVE_RECURSE
  "libbooking.pdb"
  "libbooking.so"
  "libbooking.so.0.1"
  "libbooking.so.0.1.0"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_shared.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
