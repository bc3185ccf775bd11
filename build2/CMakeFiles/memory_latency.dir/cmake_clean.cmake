file(REMOVE_RECURSE
  "CMakeFiles/memory_latency.dir/bench/memory_latency.c.o"
  "CMakeFiles/memory_latency.dir/bench/memory_latency.c.o.d"
  "memory_latency"
  "memory_latency.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memory_latency.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
