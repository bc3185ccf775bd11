file(REMOVE_RECURSE
  "CMakeFiles/loadgen_control_connection_skips_an_idle_servers_408.dir/http_client_test.c.o"
  "CMakeFiles/loadgen_control_connection_skips_an_idle_servers_408.dir/http_client_test.c.o.d"
  "loadgen_control_connection_skips_an_idle_servers_408"
  "loadgen_control_connection_skips_an_idle_servers_408.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/loadgen_control_connection_skips_an_idle_servers_408.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
