file(REMOVE_RECURSE
  "libbooking_json.a"
)
