# Empty dependencies file for booking_openapi.
# This may be replaced when dependencies are built.
