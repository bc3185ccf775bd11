# Empty dependencies file for fuzz_http_chunked.
# This may be replaced when dependencies are built.
