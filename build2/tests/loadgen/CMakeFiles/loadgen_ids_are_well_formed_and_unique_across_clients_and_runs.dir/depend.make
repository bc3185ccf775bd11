# Empty dependencies file for loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.
# This may be replaced when dependencies are built.
