file(REMOVE_RECURSE
  "CMakeFiles/json_cost.dir/bench/json-cost/json_cost.c.o"
  "CMakeFiles/json_cost.dir/bench/json-cost/json_cost.c.o.d"
  "json_cost"
  "json_cost.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/json_cost.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
