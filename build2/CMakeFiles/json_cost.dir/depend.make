# Empty dependencies file for json_cost.
# This may be replaced when dependencies are built.
