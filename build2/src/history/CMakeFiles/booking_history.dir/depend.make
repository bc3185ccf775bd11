# Empty dependencies file for booking_history.
# This may be replaced when dependencies are built.
