# Empty dependencies file for booking_sim.
# This may be replaced when dependencies are built.
