file(REMOVE_RECURSE
  "CMakeFiles/test_sqlite_index.dir/test_sqlite_index.c.o"
  "CMakeFiles/test_sqlite_index.dir/test_sqlite_index.c.o.d"
  "test_sqlite_index"
  "test_sqlite_index.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_sqlite_index.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
