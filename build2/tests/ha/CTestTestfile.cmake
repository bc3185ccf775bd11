# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests/ha
# Build directory: /work/wt-sqlite-2/build2/tests/ha
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(ha_failover_kill_postgres_loses_no_acknowledged_decision "/work/wt-sqlite-2/tests/ha/failover.sh" "/work/wt-sqlite-2/build2/booking" "kill-postgres" "/tmp/booking-ha-88978e52fd15/kill_postgres" "30" "8")
set_tests_properties(ha_failover_kill_postgres_loses_no_acknowledged_decision PROPERTIES  LABELS "ha" RUN_SERIAL "TRUE" TIMEOUT "400" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/ha/CMakeLists.txt;15;add_test;/work/wt-sqlite-2/tests/ha/CMakeLists.txt;0;")
add_test(ha_failover_kill_patroni_loses_no_acknowledged_decision "/work/wt-sqlite-2/tests/ha/failover.sh" "/work/wt-sqlite-2/build2/booking" "kill-patroni" "/tmp/booking-ha-88978e52fd15/kill_patroni" "30" "8")
set_tests_properties(ha_failover_kill_patroni_loses_no_acknowledged_decision PROPERTIES  LABELS "ha" RUN_SERIAL "TRUE" TIMEOUT "400" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/ha/CMakeLists.txt;15;add_test;/work/wt-sqlite-2/tests/ha/CMakeLists.txt;0;")
add_test(ha_failover_stop_loses_no_acknowledged_decision "/work/wt-sqlite-2/tests/ha/failover.sh" "/work/wt-sqlite-2/build2/booking" "stop" "/tmp/booking-ha-88978e52fd15/stop" "30" "8")
set_tests_properties(ha_failover_stop_loses_no_acknowledged_decision PROPERTIES  LABELS "ha" RUN_SERIAL "TRUE" TIMEOUT "400" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/ha/CMakeLists.txt;15;add_test;/work/wt-sqlite-2/tests/ha/CMakeLists.txt;0;")
add_test(ha_failover_short_kill_postgres_loses_no_acknowledged_decision "/work/wt-sqlite-2/tests/ha/failover.sh" "/work/wt-sqlite-2/build2/booking" "kill-postgres" "/tmp/booking-ha-88978e52fd15/short" "20" "4" "200")
set_tests_properties(ha_failover_short_kill_postgres_loses_no_acknowledged_decision PROPERTIES  LABELS "postgres;fault" TIMEOUT "240" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/ha/CMakeLists.txt;20;add_test;/work/wt-sqlite-2/tests/ha/CMakeLists.txt;0;")
