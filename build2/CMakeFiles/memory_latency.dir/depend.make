# Empty dependencies file for memory_latency.
# This may be replaced when dependencies are built.
