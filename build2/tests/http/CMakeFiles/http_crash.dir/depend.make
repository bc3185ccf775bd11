# Empty dependencies file for http_crash.
# This may be replaced when dependencies are built.
