# Empty dependencies file for test_memory_growth.
# This may be replaced when dependencies are built.
