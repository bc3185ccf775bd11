# Empty dependencies file for json_bundles.
# This may be replaced when dependencies are built.
