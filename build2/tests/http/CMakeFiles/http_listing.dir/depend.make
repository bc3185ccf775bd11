# Empty dependencies file for http_listing.
# This may be replaced when dependencies are built.
