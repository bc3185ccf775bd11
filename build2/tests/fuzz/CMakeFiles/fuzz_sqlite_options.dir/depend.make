# Empty dependencies file for fuzz_sqlite_options.
# This may be replaced when dependencies are built.
