# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for loadgen_control_connection_skips_an_idle_servers_408.
