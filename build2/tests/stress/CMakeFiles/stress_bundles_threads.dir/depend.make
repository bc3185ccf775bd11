# Empty dependencies file for stress_bundles_threads.
# This may be replaced when dependencies are built.
