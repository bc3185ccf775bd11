file(REMOVE_RECURSE
  "libbooking_http_test_support.a"
)
