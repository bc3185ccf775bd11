# Empty dependencies file for test_sqlite_run.
# This may be replaced when dependencies are built.
