# Empty dependencies file for postgres_faults.
# This may be replaced when dependencies are built.
