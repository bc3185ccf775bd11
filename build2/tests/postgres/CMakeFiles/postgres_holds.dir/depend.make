# Empty dependencies file for postgres_holds.
# This may be replaced when dependencies are built.
