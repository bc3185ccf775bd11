# Empty dependencies file for stress_holds_threads.
# This may be replaced when dependencies are built.
