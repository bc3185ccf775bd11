# Empty dependencies file for booking.
# This may be replaced when dependencies are built.
