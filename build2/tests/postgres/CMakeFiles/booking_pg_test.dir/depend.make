# Empty dependencies file for booking_pg_test.
# This may be replaced when dependencies are built.
