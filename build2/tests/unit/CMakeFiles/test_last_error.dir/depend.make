# Empty dependencies file for test_last_error.
# This may be replaced when dependencies are built.
