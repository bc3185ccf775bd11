file(REMOVE_RECURSE
  "libbooking_openapi.a"
)
