# Empty dependencies file for fuzz_http_head.
# This may be replaced when dependencies are built.
