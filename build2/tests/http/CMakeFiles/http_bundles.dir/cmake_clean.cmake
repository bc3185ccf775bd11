file(REMOVE_RECURSE
  "CMakeFiles/http_bundles.dir/test_http_bundles.c.o"
  "CMakeFiles/http_bundles.dir/test_http_bundles.c.o.d"
  "http_bundles"
  "http_bundles.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_bundles.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
