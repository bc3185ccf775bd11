# Empty dependencies file for booking_stress_holds.
# This may be replaced when dependencies are built.
