file(REMOVE_RECURSE
  "CMakeFiles/http_conn.dir/test_http_conn.c.o"
  "CMakeFiles/http_conn.dir/test_http_conn.c.o.d"
  "http_conn"
  "http_conn.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/http_conn.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
