# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests/cli
# Build directory: /work/wt-sqlite-2/build2/tests/cli
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(cli_test "bash" "/work/wt-sqlite-2/tests/cli/cli_test.sh" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_test PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;2;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_hold_then_confirm_cancel_or_expire_on_a_durable_store "bash" "/work/wt-sqlite-2/tests/cli/cli_confirm_test.sh" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_hold_then_confirm_cancel_or_expire_on_a_durable_store PROPERTIES  LABELS "cli" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;5;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_attempt_line_books_every_line_or_none_and_shows_the_lines "bash" "/work/wt-sqlite-2/tests/cli/cli_bundle_test.sh" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_attempt_line_books_every_line_or_none_and_shows_the_lines PROPERTIES  LABELS "cli" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;10;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_backup_of_a_live_store_is_consistent_and_readers_create_no_store "bash" "/work/wt-sqlite-2/tests/cli/cli_backup_test.sh" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_backup_of_a_live_store_is_consistent_and_readers_create_no_store PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;15;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_single_valued_option_twice_and_nul_token_are_refused "bash" "/work/wt-sqlite-2/tests/cli/cli_options_once_test.sh" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_single_valued_option_twice_and_nul_token_are_refused PROPERTIES  LABELS "cli" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;20;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_url_prints_and_exits_as_store_for_every_command_and_answer "bash" "/work/wt-sqlite-2/tests/cli/cli_url_test.sh" "same" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_url_prints_and_exits_as_store_for_every_command_and_answer PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_url_sends_the_token_file_and_a_wrong_or_missing_token_is_exit_1 "bash" "/work/wt-sqlite-2/tests/cli/cli_url_test.sh" "token" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_url_sends_the_token_file_and_a_wrong_or_missing_token_is_exit_1 PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_url_with_store_or_a_malformed_url_is_a_usage_error "bash" "/work/wt-sqlite-2/tests/cli/cli_url_test.sh" "exclusive" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_url_with_store_or_a_malformed_url_is_a_usage_error PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_url_to_a_service_that_is_down_or_not_ours_is_exit_1_naming_the_url_once "bash" "/work/wt-sqlite-2/tests/cli/cli_url_test.sh" "down" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_url_to_a_service_that_is_down_or_not_ours_is_exit_1_naming_the_url_once PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;34;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_list_pages_give_every_item_once_in_ascending_id_order "bash" "/work/wt-sqlite-2/tests/cli/cli_list_test.sh" "store" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_list_pages_give_every_item_once_in_ascending_id_order PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;41;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(cli_list_through_url_prints_as_store_and_json_is_the_service_body "bash" "/work/wt-sqlite-2/tests/cli/cli_list_test.sh" "url" "/work/wt-sqlite-2/build2/booking")
set_tests_properties(cli_list_through_url_prints_as_store_and_json_is_the_service_body PROPERTIES  LABELS "cli" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/cli/CMakeLists.txt;43;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
add_test(test_cli_reply "/work/wt-sqlite-2/build2/tests/cli/test_cli_reply")
set_tests_properties(test_cli_reply PROPERTIES  LABELS "cli" _BACKTRACE_TRIPLES "/work/wt-sqlite-2/tests/CMakeLists.txt;16;add_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;51;booking_add_cmocka_test;/work/wt-sqlite-2/tests/cli/CMakeLists.txt;0;")
