# Empty dependencies file for http_loop.
# This may be replaced when dependencies are built.
