# Empty dependencies file for fuzz_history_parse.
# This may be replaced when dependencies are built.
