file(REMOVE_RECURSE
  "CMakeFiles/http_hostile.dir/test_http_hostile.c.o"
  "CMakeFiles/http_hostile.dir/test_http_hostile.c.o.d"
  "http_hostile"
  "http_hostile.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_hostile.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
