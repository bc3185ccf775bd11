file(REMOVE_RECURSE
  "CMakeFiles/loadgen_one_option_parser_serves_both_modes.dir/loadgen_config_test.c.o"
  "CMakeFiles/loadgen_one_option_parser_serves_both_modes.dir/loadgen_config_test.c.o.d"
  "loadgen_one_option_parser_serves_both_modes"
  "loadgen_one_option_parser_serves_both_modes.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/loadgen_one_option_parser_serves_both_modes.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
