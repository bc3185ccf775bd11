# Empty dependencies file for fault_injection.
# This may be replaced when dependencies are built.
