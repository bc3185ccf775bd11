# Empty dependencies file for test_vocabulary.
# This may be replaced when dependencies are built.
