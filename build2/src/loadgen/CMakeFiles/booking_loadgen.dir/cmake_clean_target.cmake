file(REMOVE_RECURSE
  "libbooking_loadgen.a"
)
