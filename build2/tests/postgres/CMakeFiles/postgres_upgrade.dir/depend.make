# Empty dependencies file for postgres_upgrade.
# This may be replaced when dependencies are built.
