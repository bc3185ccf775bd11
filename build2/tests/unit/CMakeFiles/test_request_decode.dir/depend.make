# Empty dependencies file for test_request_decode.
# This may be replaced when dependencies are built.
