# Empty dependencies file for json_listing.
# This may be replaced when dependencies are built.
