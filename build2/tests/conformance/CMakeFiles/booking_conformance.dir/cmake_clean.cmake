file(REMOVE_RECURSE
  "CMakeFiles/booking_conformance.dir/conformance.c.o"
  "CMakeFiles/booking_conformance.dir/conformance.c.o.d"
  "CMakeFiles/booking_conformance.dir/conformance_bundles.c.o"
  "CMakeFiles/booking_conformance.dir/conformance_bundles.c.o.d"
  "CMakeFiles/booking_conformance.dir/conformance_changes.c.o"
  "CMakeFiles/booking_conformance.dir/conformance_changes.c.o.d"
  "CMakeFiles/booking_conformance.dir/conformance_holds.c.o"
  "CMakeFiles/booking_conformance.dir/conformance_holds.c.o.d"
  "CMakeFiles/booking_conformance.dir/conformance_ledger.c.o"
  "CMakeFiles/booking_conformance.dir/conformance_ledger.c.o.d"
  "CMakeFiles/booking_conformance.dir/conformance_listing.c.o"
  "CMakeFiles/booking_conformance.dir/conformance_listing.c.o.d"
  "booking_conformance"
  "booking_conformance.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/booking_conformance.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
