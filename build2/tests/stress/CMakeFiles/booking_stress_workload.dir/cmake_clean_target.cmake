file(REMOVE_RECURSE
  "libbooking_stress_workload.a"
)
