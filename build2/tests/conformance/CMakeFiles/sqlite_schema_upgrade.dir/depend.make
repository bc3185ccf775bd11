# Empty dependencies file for sqlite_schema_upgrade.
# This may be replaced when dependencies are built.
