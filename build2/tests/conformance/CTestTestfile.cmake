# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests/conformance
# Build directory: /work/wt-sqlite-2/build2/tests/conformance
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(conformance_memory "/work/wt-sqlite-2/build2/tests/conformance/booking_conformance" "memory:")
set_tests_properties(conformance_memory PROPERTIES  LABELS "conformance" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;9;add_test;/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;0;")
add_test(conformance_sqlite "/work/wt-sqlite-2/build2/tests/conformance/booking_conformance" "sqlite:@TMP@/conformance.db")
set_tests_properties(conformance_sqlite PROPERTIES  LABELS "conformance" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;10;add_test;/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;0;")
add_test(sqlite_schema_upgrade "/work/wt-sqlite-2/build2/tests/conformance/sqlite_schema_upgrade")
set_tests_properties(sqlite_schema_upgrade PROPERTIES  LABELS "conformance" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;15;booking_add_cmocka_test;/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;0;")
add_test(sqlite_listing "/work/wt-sqlite-2/build2/tests/conformance/sqlite_listing")
set_tests_properties(sqlite_listing PROPERTIES  LABELS "conformance" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;24;booking_add_cmocka_test;/work/wt-sqlite-2/tests/conformance/CMakeLists.txt;0;")
