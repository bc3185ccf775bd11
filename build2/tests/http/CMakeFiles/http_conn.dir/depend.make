# Empty dependencies file for http_conn.
# This may be replaced when dependencies are built.
