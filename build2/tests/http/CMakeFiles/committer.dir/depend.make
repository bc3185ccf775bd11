# Empty dependencies file for committer.
# This may be replaced when dependencies are built.
