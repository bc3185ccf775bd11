file(REMOVE_RECURSE
  "CMakeFiles/postgres_bundle_instances.dir/postgres_bundle_instances.c.o"
  "CMakeFiles/postgres_bundle_instances.dir/postgres_bundle_instances.c.o.d"
  "postgres_bundle_instances"
  "postgres_bundle_instances.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_bundle_instances.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
