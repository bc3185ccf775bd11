# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests/fuzz
# Build directory: /work/wt-sqlite-2/build2/tests/fuzz
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(fuzz_corpus_replay_history_parse "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_history_parse" "/work/wt-sqlite-2/tests/fuzz/corpus/history_parse")
set_tests_properties(fuzz_corpus_replay_history_parse PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_sqlite_options "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_sqlite_options" "/work/wt-sqlite-2/tests/fuzz/corpus/sqlite_options")
set_tests_properties(fuzz_corpus_replay_sqlite_options PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_cli_parse "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_cli_parse" "/work/wt-sqlite-2/tests/fuzz/corpus/cli_parse")
set_tests_properties(fuzz_corpus_replay_cli_parse PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_request_decode "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_request_decode" "/work/wt-sqlite-2/tests/fuzz/corpus/request_decode")
set_tests_properties(fuzz_corpus_replay_request_decode PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_http_guard "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_http_guard" "/work/wt-sqlite-2/tests/fuzz/corpus/http_guard")
set_tests_properties(fuzz_corpus_replay_http_guard PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_http_head "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_http_head" "/work/wt-sqlite-2/tests/fuzz/corpus/http_head")
set_tests_properties(fuzz_corpus_replay_http_head PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_http_conn "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_http_conn" "/work/wt-sqlite-2/tests/fuzz/corpus/http_conn")
set_tests_properties(fuzz_corpus_replay_http_conn PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
add_test(fuzz_corpus_replay_http_chunked "/work/wt-sqlite-2/build2/tests/fuzz/fuzz_http_chunked" "/work/wt-sqlite-2/tests/fuzz/corpus/http_chunked")
set_tests_properties(fuzz_corpus_replay_http_chunked PROPERTIES  LABELS "fuzz" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/fuzz/CMakeLists.txt;0;")
