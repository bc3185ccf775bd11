# Empty dependencies file for booking_test_support.
# This may be replaced when dependencies are built.
