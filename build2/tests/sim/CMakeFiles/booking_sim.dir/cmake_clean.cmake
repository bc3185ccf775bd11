file(REMOVE_RECURSE
  "CMakeFiles/booking_sim.dir/fault_store.c.o"
  "CMakeFiles/booking_sim.dir/fault_store.c.o.d"
  "CMakeFiles/booking_sim.dir/powerloss_vfs.c.o"
  "CMakeFiles/booking_sim.dir/powerloss_vfs.c.o.d"
  "CMakeFiles/booking_sim.dir/sim_main.c.o"
  "CMakeFiles/booking_sim.dir/sim_main.c.o.d"
  "CMakeFiles/booking_sim.dir/sim_model.c.o"
  "CMakeFiles/booking_sim.dir/sim_model.c.o.d"
  "booking_sim"
  "booking_sim.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_sim.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
