file(REMOVE_RECURSE
  "libbooking_internal.a"
)
