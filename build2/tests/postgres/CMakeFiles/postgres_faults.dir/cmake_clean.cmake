file(REMOVE_RECURSE
  "CMakeFiles/postgres_faults.dir/postgres_faults.c.o"
  "CMakeFiles/postgres_faults.dir/postgres_faults.c.o.d"
  "postgres_faults"
  "postgres_faults.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_faults.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
