file(REMOVE_RECURSE
  "CMakeFiles/postgres_listing.dir/postgres_listing.c.o"
  "CMakeFiles/postgres_listing.dir/postgres_listing.c.o.d"
  "postgres_listing"
  "postgres_listing.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_listing.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
