# Empty dependencies file for test_time_text.
# This may be replaced when dependencies are built.
