# Empty dependencies file for booking_cli.
# This may be replaced when dependencies are built.
