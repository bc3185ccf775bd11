# Empty dependencies file for booking_server.
# This may be replaced when dependencies are built.
