# Empty dependencies file for sqlite_sync_count.
# This may be replaced when dependencies are built.
