file(REMOVE_RECURSE
  "libbooking_pg_test.a"
)
