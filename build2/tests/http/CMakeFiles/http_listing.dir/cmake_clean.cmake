file(REMOVE_RECURSE
  "CMakeFiles/http_listing.dir/test_http_listing.c.o"
  "CMakeFiles/http_listing.dir/test_http_listing.c.o.d"
  "http_listing"
  "http_listing.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_listing.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
