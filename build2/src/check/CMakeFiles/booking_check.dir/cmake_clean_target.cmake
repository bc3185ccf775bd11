file(REMOVE_RECURSE
  "libbooking_check.a"
)
