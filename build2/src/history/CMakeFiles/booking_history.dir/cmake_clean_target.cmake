file(REMOVE_RECURSE
  "libbooking_history.a"
)
