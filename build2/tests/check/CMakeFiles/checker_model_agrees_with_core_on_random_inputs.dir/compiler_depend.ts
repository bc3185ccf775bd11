# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for checker_model_agrees_with_core_on_random_inputs.
