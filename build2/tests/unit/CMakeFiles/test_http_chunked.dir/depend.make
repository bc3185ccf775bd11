# Empty dependencies file for test_http_chunked.
# This may be replaced when dependencies are built.
