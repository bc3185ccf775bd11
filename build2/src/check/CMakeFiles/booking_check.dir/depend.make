# Empty dependencies file for booking_check.
# This may be replaced when dependencies are built.
