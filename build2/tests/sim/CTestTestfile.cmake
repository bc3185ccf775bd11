# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests/sim
# Build directory: /work/wt-sqlite-2/build2/tests/sim
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(sim_memory_fixed_seeds_keep_invariant_and_linearizable "/work/wt-sqlite-2/build2/tests/sim/booking_sim" "memory")
set_tests_properties(sim_memory_fixed_seeds_keep_invariant_and_linearizable PROPERTIES  LABELS "sim" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/sim/CMakeLists.txt;5;add_test;/work/wt-sqlite-2/tests/sim/CMakeLists.txt;0;")
add_test(sim_sqlite_fixed_seeds_faults_and_reopen_keep_acknowledged_decisions "/work/wt-sqlite-2/build2/tests/sim/booking_sim" "sqlite")
set_tests_properties(sim_sqlite_fixed_seeds_faults_and_reopen_keep_acknowledged_decisions PROPERTIES  LABELS "sim" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/sim/CMakeLists.txt;6;add_test;/work/wt-sqlite-2/tests/sim/CMakeLists.txt;0;")
add_test(sim_memory_holds_and_clock_steps_answer_as_the_model_and_never_unexpire "/work/wt-sqlite-2/build2/tests/sim/booking_sim" "memory" "holds")
set_tests_properties(sim_memory_holds_and_clock_steps_answer_as_the_model_and_never_unexpire PROPERTIES  LABELS "sim" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/sim/CMakeLists.txt;10;add_test;/work/wt-sqlite-2/tests/sim/CMakeLists.txt;0;")
add_test(sim_sqlite_holds_clock_steps_and_reopen_answer_as_the_model_and_never_unexpire "/work/wt-sqlite-2/build2/tests/sim/booking_sim" "sqlite" "holds")
set_tests_properties(sim_sqlite_holds_clock_steps_and_reopen_answer_as_the_model_and_never_unexpire PROPERTIES  LABELS "sim" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/sim/CMakeLists.txt;12;add_test;/work/wt-sqlite-2/tests/sim/CMakeLists.txt;0;")
add_test(sim_memory_bundles_answer_as_the_model_all_lines_or_none "/work/wt-sqlite-2/build2/tests/sim/booking_sim" "memory" "bundles")
set_tests_properties(sim_memory_bundles_answer_as_the_model_all_lines_or_none PROPERTIES  LABELS "sim" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/sim/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/sim/CMakeLists.txt;0;")
add_test(sim_sqlite_bundles_with_faults_and_reopen_answer_as_the_model_all_lines_or_none "/work/wt-sqlite-2/build2/tests/sim/booking_sim" "sqlite" "bundles")
set_tests_properties(sim_sqlite_bundles_with_faults_and_reopen_answer_as_the_model_all_lines_or_none PROPERTIES  LABELS "sim" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/sim/CMakeLists.txt;18;add_test;/work/wt-sqlite-2/tests/sim/CMakeLists.txt;0;")
