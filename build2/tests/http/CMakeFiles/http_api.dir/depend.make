# Empty dependencies file for http_api.
# This may be replaced when dependencies are built.
