# Empty dependencies file for booking_loadgen.
# This may be replaced when dependencies are built.
