file(REMOVE_RECURSE
  "CMakeFiles/postgres_store.dir/postgres_store.c.o"
  "CMakeFiles/postgres_store.dir/postgres_store.c.o.d"
  "postgres_store"
  "postgres_store.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_store.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
