file(REMOVE_RECURSE
  "CMakeFiles/postgres_upgrade.dir/postgres_upgrade.c.o"
  "CMakeFiles/postgres_upgrade.dir/postgres_upgrade.c.o.d"
  "postgres_upgrade"
  "postgres_upgrade.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_upgrade.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
