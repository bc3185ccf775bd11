file(REMOVE_RECURSE
  "CMakeFiles/test_pg_route.dir/test_pg_route.c.o"
  "CMakeFiles/test_pg_route.dir/test_pg_route.c.o.d"
  "test_pg_route"
  "test_pg_route.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_pg_route.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
