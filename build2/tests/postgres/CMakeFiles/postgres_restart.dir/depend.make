# Empty dependencies file for postgres_restart.
# This may be replaced when dependencies are built.
