file(REMOVE_RECURSE
  "CMakeFiles/postgres_restart.dir/postgres_restart.c.o"
  "CMakeFiles/postgres_restart.dir/postgres_restart.c.o.d"
  "postgres_restart"
  "postgres_restart.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_restart.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
