file(REMOVE_RECURSE
  "libbooking_cli.a"
)
