file(REMOVE_RECURSE
  "CMakeFiles/postgres_holds.dir/postgres_holds.c.o"
  "CMakeFiles/postgres_holds.dir/postgres_holds.c.o.d"
  "postgres_holds"
  "postgres_holds.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_holds.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
