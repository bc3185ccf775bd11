# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for loadgen_one_option_parser_serves_both_modes.
