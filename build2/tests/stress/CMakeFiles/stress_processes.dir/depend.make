# Empty dependencies file for stress_processes.
# This may be replaced when dependencies are built.
