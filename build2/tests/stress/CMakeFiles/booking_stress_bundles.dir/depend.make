# Empty dependencies file for booking_stress_bundles.
# This may be replaced when dependencies are built.
