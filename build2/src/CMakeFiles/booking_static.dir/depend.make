# Empty dependencies file for booking_static.
# This may be replaced when dependencies are built.
