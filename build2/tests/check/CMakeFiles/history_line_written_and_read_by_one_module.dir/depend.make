# Empty dependencies file for history_line_written_and_read_by_one_module.
# This may be replaced when dependencies are built.
