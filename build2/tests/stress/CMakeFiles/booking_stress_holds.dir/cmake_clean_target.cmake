file(REMOVE_RECURSE
  "libbooking_stress_holds.a"
)
