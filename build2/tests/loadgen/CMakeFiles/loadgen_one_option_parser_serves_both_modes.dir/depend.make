# Empty dependencies file for loadgen_one_option_parser_serves_both_modes.
# This may be replaced when dependencies are built.
