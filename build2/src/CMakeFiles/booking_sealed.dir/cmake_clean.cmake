file(REMOVE_RECURSE
  "CMakeFiles/booking_sealed"
  "libbooking.a"
)

# Per-language clean rules from dependency scanning.
foreach(lang )
  include(CMakeFiles/booking_sealed.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
