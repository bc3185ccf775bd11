# Empty dependencies file for test_request_ids.
# This may be replaced when dependencies are built.
