# Empty dependencies file for test_sqlite_index.
# This may be replaced when dependencies are built.
