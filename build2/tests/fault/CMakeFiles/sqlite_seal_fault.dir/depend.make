# Empty dependencies file for sqlite_seal_fault.
# This may be replaced when dependencies are built.
