file(REMOVE_RECURSE
  "libbooking_core.a"
)
