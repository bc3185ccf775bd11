# Empty dependencies file for test_pg_route.
# This may be replaced when dependencies are built.
