# Empty dependencies file for test_memory_listing.
# This may be replaced when dependencies are built.
