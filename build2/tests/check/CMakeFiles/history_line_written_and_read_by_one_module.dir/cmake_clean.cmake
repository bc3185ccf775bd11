file(REMOVE_RECURSE
  "CMakeFiles/history_line_written_and_read_by_one_module.dir/history_line_test.c.o"
  "CMakeFiles/history_line_written_and_read_by_one_module.dir/history_line_test.c.o.d"
  "history_line_written_and_read_by_one_module"
  "history_line_written_and_read_by_one_module.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/history_line_written_and_read_by_one_module.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
