file(REMOVE_RECURSE
  "CMakeFiles/sqlite_listing.dir/sqlite_listing.c.o"
  "CMakeFiles/sqlite_listing.dir/sqlite_listing.c.o.d"
  "sqlite_listing"
  "sqlite_listing.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sqlite_listing.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
