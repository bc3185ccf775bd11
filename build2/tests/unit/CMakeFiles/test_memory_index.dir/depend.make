# Empty dependencies file for test_memory_index.
# This may be replaced when dependencies are built.
