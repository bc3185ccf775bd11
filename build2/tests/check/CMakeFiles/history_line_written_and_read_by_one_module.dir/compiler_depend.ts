# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for history_line_written_and_read_by_one_module.
