file(REMOVE_RECURSE
  "CMakeFiles/loadgen_holds_confirms_and_read_back_as_of_its_time.dir/loadgen_holds_test.c.o"
  "CMakeFiles/loadgen_holds_confirms_and_read_back_as_of_its_time.dir/loadgen_holds_test.c.o.d"
  "loadgen_holds_confirms_and_read_back_as_of_its_time"
  "loadgen_holds_confirms_and_read_back_as_of_its_time.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/loadgen_holds_confirms_and_read_back_as_of_its_time.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
