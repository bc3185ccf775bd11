file(REMOVE_RECURSE
  "CMakeFiles/json_listing.dir/test_json_listing.c.o"
  "CMakeFiles/json_listing.dir/test_json_listing.c.o.d"
  "json_listing"
  "json_listing.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/json_listing.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
