# Empty dependencies file for booking_conformance.
# This may be replaced when dependencies are built.
