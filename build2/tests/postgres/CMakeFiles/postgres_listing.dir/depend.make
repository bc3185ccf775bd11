# Empty dependencies file for postgres_listing.
# This may be replaced when dependencies are built.
