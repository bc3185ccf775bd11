file(REMOVE_RECURSE
  "CMakeFiles/test_memory_listing.dir/test_memory_listing.c.o"
  "CMakeFiles/test_memory_listing.dir/test_memory_listing.c.o.d"
  "test_memory_listing"
  "test_memory_listing.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_memory_listing.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
