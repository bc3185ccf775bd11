# Empty dependencies file for loadgen_control_connection_skips_an_idle_servers_408.
# This may be replaced when dependencies are built.
