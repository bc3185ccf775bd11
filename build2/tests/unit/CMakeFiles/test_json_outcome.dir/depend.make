# Empty dependencies file for test_json_outcome.
# This may be replaced when dependencies are built.
