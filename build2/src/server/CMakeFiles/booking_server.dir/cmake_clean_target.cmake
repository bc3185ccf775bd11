file(REMOVE_RECURSE
  "libbooking_server.a"
)
