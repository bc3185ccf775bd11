# Empty dependencies file for http_holds.
# This may be replaced when dependencies are built.
