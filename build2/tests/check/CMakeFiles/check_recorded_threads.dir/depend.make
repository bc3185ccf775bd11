# Empty dependencies file for check_recorded_threads.
# This may be replaced when dependencies are built.
