# Empty dependencies file for stress_holds_crash.
# This may be replaced when dependencies are built.
