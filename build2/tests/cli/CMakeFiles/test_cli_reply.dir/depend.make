# Empty dependencies file for test_cli_reply.
# This may be replaced when dependencies are built.
