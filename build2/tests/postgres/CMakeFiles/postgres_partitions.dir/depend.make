# Empty dependencies file for postgres_partitions.
# This may be replaced when dependencies are built.
