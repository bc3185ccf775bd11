file(REMOVE_RECURSE
  "CMakeFiles/test_vocabulary.dir/test_vocabulary.c.o"
  "CMakeFiles/test_vocabulary.dir/test_vocabulary.c.o.d"
  "test_vocabulary"
  "test_vocabulary.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_vocabulary.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
