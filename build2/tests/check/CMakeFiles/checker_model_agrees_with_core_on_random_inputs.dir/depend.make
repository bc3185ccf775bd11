# Empty dependencies file for checker_model_agrees_with_core_on_random_inputs.
# This may be replaced when dependencies are built.
