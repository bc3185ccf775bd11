# Empty dependencies file for test_memory_table.
# This may be replaced when dependencies are built.
