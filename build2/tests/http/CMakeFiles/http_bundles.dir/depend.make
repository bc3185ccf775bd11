# Empty dependencies file for http_bundles.
# This may be replaced when dependencies are built.
