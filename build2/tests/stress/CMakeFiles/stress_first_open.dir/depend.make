# Empty dependencies file for stress_first_open.
# This may be replaced when dependencies are built.
