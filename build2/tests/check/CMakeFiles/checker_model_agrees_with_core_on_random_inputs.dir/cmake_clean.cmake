file(REMOVE_RECURSE
  "CMakeFiles/checker_model_agrees_with_core_on_random_inputs.dir/checker_model_test.c.o"
  "CMakeFiles/checker_model_agrees_with_core_on_random_inputs.dir/checker_model_test.c.o.d"
  "checker_model_agrees_with_core_on_random_inputs"
  "checker_model_agrees_with_core_on_random_inputs.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/checker_model_agrees_with_core_on_random_inputs.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
