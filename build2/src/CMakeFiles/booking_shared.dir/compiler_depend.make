# Empty compiler generated dependencies file for booking_shared.
# This may be replaced when dependencies are built.
