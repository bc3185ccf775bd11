file(REMOVE_RECURSE
  "CMakeFiles/json_bundles.dir/test_json_bundles.c.o"
  "CMakeFiles/json_bundles.dir/test_json_bundles.c.o.d"
  "json_bundles"
  "json_bundles.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/json_bundles.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
