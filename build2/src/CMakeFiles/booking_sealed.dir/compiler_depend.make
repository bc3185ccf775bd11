# Empty custom commands generated dependencies file for booking_sealed.
# This may be replaced when dependencies are built.
