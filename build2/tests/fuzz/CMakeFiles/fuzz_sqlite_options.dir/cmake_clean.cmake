file(REMOVE_RECURSE
  "CMakeFiles/fuzz_sqlite_options.dir/fuzz_sqlite_options.c.o"
  "CMakeFiles/fuzz_sqlite_options.dir/fuzz_sqlite_options.c.o.d"
  "CMakeFiles/fuzz_sqlite_options.dir/replay_main.c.o"
  "CMakeFiles/fuzz_sqlite_options.dir/replay_main.c.o.d"
  "fuzz_sqlite_options"
  "fuzz_sqlite_options.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_sqlite_options.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
