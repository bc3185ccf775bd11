# Empty dependencies file for fuzz_cli_parse.
# This may be replaced when dependencies are built.
