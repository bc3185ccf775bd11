# Empty dependencies file for fuzz_request_decode.
# This may be replaced when dependencies are built.
