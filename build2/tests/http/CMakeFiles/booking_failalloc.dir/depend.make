# Empty dependencies file for booking_failalloc.
# This may be replaced when dependencies are built.
