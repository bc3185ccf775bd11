file(REMOVE_RECURSE
  "CMakeFiles/test_invariant_assert.dir/test_invariant_assert.c.o"
  "CMakeFiles/test_invariant_assert.dir/test_invariant_assert.c.o.d"
  "test_invariant_assert"
  "test_invariant_assert.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_invariant_assert.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
