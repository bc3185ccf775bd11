file(REMOVE_RECURSE
  "CMakeFiles/test_sqlite_run.dir/test_sqlite_run.c.o"
  "CMakeFiles/test_sqlite_run.dir/test_sqlite_run.c.o.d"
  "test_sqlite_run"
  "test_sqlite_run.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_sqlite_run.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
