file(REMOVE_RECURSE
  "CMakeFiles/sqlite_schema_upgrade.dir/sqlite_schema_upgrade.c.o"
  "CMakeFiles/sqlite_schema_upgrade.dir/sqlite_schema_upgrade.c.o.d"
  "sqlite_schema_upgrade"
  "sqlite_schema_upgrade.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sqlite_schema_upgrade.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
