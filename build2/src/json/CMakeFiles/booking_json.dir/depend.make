# Empty dependencies file for booking_json.
# This may be replaced when dependencies are built.
