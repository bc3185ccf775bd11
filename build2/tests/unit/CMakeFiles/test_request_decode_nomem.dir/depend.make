# Empty dependencies file for test_request_decode_nomem.
# This may be replaced when dependencies are built.
