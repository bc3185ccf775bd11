file(REMOVE_RECURSE
  "CMakeFiles/postgres_bundles.dir/postgres_bundles.c.o"
  "CMakeFiles/postgres_bundles.dir/postgres_bundles.c.o.d"
  "postgres_bundles"
  "postgres_bundles.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_bundles.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
