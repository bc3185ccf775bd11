file(REMOVE_RECURSE
  "CMakeFiles/test_cli_reply.dir/test_cli_reply.c.o"
  "CMakeFiles/test_cli_reply.dir/test_cli_reply.c.o.d"
  "test_cli_reply"
  "test_cli_reply.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_reply.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
