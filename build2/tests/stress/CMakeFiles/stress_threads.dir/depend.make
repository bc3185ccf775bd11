# Empty dependencies file for stress_threads.
# This may be replaced when dependencies are built.
