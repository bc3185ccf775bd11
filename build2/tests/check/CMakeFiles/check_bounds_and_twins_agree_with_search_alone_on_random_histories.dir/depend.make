# Empty dependencies file for check_bounds_and_twins_agree_with_search_alone_on_random_histories.
# This may be replaced when dependencies are built.
