# Empty dependencies file for fuzz_http_guard.
# This may be replaced when dependencies are built.
