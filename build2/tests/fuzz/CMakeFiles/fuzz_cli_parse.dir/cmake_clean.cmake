file(REMOVE_RECURSE
  "CMakeFiles/fuzz_cli_parse.dir/__/__/src/cli/cli_common.c.o"
  "CMakeFiles/fuzz_cli_parse.dir/__/__/src/cli/cli_common.c.o.d"
  "CMakeFiles/fuzz_cli_parse.dir/fuzz_cli_parse.c.o"
  "CMakeFiles/fuzz_cli_parse.dir/fuzz_cli_parse.c.o.d"
  "CMakeFiles/fuzz_cli_parse.dir/replay_main.c.o"
  "CMakeFiles/fuzz_cli_parse.dir/replay_main.c.o.d"
  "fuzz_cli_parse"
  "fuzz_cli_parse.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_cli_parse.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
