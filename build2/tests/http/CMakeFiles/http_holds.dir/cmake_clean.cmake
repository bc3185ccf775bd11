file(REMOVE_RECURSE
  "CMakeFiles/http_holds.dir/test_http_holds.c.o"
  "CMakeFiles/http_holds.dir/test_http_holds.c.o.d"
  "http_holds"
  "http_holds.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_holds.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
