# Empty dependencies file for postgres_bundles.
# This may be replaced when dependencies are built.
