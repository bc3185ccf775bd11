file(REMOVE_RECURSE
  "CMakeFiles/postgres_partitions.dir/postgres_partitions.c.o"
  "CMakeFiles/postgres_partitions.dir/postgres_partitions.c.o.d"
  "postgres_partitions"
  "postgres_partitions.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/postgres_partitions.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
