file(REMOVE_RECURSE
  "libbooking_request_decode.a"
)
