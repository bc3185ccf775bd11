# Empty dependencies file for fuzz_http_conn.
# This may be replaced when dependencies are built.
