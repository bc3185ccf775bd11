# Empty dependencies file for fault_stress.
# This may be replaced when dependencies are built.
