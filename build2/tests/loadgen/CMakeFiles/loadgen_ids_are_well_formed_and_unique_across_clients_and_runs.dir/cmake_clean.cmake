file(REMOVE_RECURSE
  "CMakeFiles/loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.dir/loadgen_ids_test.c.o"
  "CMakeFiles/loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.dir/loadgen_ids_test.c.o.d"
  "loadgen_ids_are_well_formed_and_unique_across_clients_and_runs"
  "loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
