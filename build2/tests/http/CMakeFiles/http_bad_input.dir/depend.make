# Empty dependencies file for http_bad_input.
# This may be replaced when dependencies are built.
