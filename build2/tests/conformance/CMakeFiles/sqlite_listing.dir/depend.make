# Empty dependencies file for sqlite_listing.
# This may be replaced when dependencies are built.
