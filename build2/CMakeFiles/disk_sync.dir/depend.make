# Empty dependencies file for disk_sync.
# This may be replaced when dependencies are built.
