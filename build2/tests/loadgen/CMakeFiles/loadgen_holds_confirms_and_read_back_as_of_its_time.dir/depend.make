# Empty dependencies file for loadgen_holds_confirms_and_read_back_as_of_its_time.
# This may be replaced when dependencies are built.
