# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for check_bounds_and_twins_agree_with_search_alone_on_random_histories.
