# Empty dependencies file for booking_core.
# This may be replaced when dependencies are built.
