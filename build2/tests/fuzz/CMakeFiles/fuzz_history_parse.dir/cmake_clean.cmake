file(REMOVE_RECURSE
  "CMakeFiles/fuzz_history_parse.dir/fuzz_history_parse.c.o"
  "CMakeFiles/fuzz_history_parse.dir/fuzz_history_parse.c.o.d"
  "CMakeFiles/fuzz_history_parse.dir/replay_main.c.o"
  "CMakeFiles/fuzz_history_parse.dir/replay_main.c.o.d"
  "fuzz_history_parse"
  "fuzz_history_parse.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_history_parse.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
