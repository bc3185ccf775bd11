file(REMOVE_RECURSE
  "CMakeFiles/check_bounds_and_twins_agree_with_search_alone_on_random_histories.dir/check_bounds_agree_test.c.o"
  "CMakeFiles/check_bounds_and_twins_agree_with_search_alone_on_random_histories.dir/check_bounds_agree_test.c.o.d"
  "check_bounds_and_twins_agree_with_search_alone_on_random_histories"
  "check_bounds_and_twins_agree_with_search_alone_on_random_histories.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/check_bounds_and_twins_agree_with_search_alone_on_random_histories.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
