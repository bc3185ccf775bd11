# Empty dependencies file for booking_stress_workload.
# This may be replaced when dependencies are built.
