# Empty dependencies file for test_json_alloc.
# This may be replaced when dependencies are built.
