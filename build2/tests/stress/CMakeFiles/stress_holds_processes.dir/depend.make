# Empty dependencies file for stress_holds_processes.
# This may be replaced when dependencies are built.
