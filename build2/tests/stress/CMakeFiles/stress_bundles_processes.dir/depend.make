# Empty dependencies file for stress_bundles_processes.
# This may be replaced when dependencies are built.
