# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests/fault
# Build directory: /work/wt-sqlite-2/build2/tests/fault
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(fault_injection "/work/wt-sqlite-2/build2/tests/fault/fault_injection")
set_tests_properties(fault_injection PROPERTIES  ENVIRONMENT "TMPDIR=/dev/shm" LABELS "fault" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;4;booking_add_cmocka_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;0;")
add_test(fault_stress "/work/wt-sqlite-2/build2/tests/fault/fault_stress")
set_tests_properties(fault_stress PROPERTIES  LABELS "fault;concurrency" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;18;booking_add_cmocka_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;0;")
add_test(sqlite_sync_count "/work/wt-sqlite-2/build2/tests/fault/sqlite_sync_count")
set_tests_properties(sqlite_sync_count PROPERTIES  LABELS "fault" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;26;booking_add_cmocka_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;0;")
add_test(sqlite_seal_fault "/work/wt-sqlite-2/build2/tests/fault/sqlite_seal_fault")
set_tests_properties(sqlite_seal_fault PROPERTIES  LABELS "fault" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;34;booking_add_cmocka_test;/work/wt-sqlite-2/tests/fault/CMakeLists.txt;0;")
