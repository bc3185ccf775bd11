# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for loadgen_ids_are_well_formed_and_unique_across_clients_and_runs.
