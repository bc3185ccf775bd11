file(REMOVE_RECURSE
  "CMakeFiles/committer.dir/test_committer.c.o"
  "CMakeFiles/committer.dir/test_committer.c.o.d"
  "committer"
  "committer.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/committer.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
