file(REMOVE_RECURSE
  "libbooking_test_support.a"
)
