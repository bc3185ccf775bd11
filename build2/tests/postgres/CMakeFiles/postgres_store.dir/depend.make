# Empty dependencies file for postgres_store.
# This may be replaced when dependencies are built.
