file(REMOVE_RECURSE
  "CMakeFiles/disk_sync.dir/bench/one-connection/disk_sync.c.o"
  "CMakeFiles/disk_sync.dir/bench/one-connection/disk_sync.c.o.d"
  "disk_sync"
  "disk_sync.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/disk_sync.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
