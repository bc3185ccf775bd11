# Empty dependencies file for test_invariant_assert.
# This may be replaced when dependencies are built.
