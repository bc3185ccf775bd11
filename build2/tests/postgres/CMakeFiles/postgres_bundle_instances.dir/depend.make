# Empty dependencies file for postgres_bundle_instances.
# This may be replaced when dependencies are built.
