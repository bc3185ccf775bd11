# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for loadgen_holds_confirms_and_read_back_as_of_its_time.
