file(REMOVE_RECURSE
  "libbooking_stress_bundles.a"
)
