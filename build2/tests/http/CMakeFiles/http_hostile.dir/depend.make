# Empty dependencies file for http_hostile.
# This may be replaced when dependencies are built.
