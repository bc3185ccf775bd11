# Empty dependencies file for http_concurrency.
# This may be replaced when dependencies are built.
