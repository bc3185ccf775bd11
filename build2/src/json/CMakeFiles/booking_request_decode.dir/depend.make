# Empty dependencies file for booking_request_decode.
# This may be replaced when dependencies are built.
