# The web UI in a real browser: libsanta/tests/ui/ui_test.mjs (playwright-core
# driving Debian's chromium) against stage 01 (files) and stage 04 (PostgreSQL
# from the pg_server fixture, a Redis of its own through with-servers). The
# ui_node fixture installs playwright-core from the committed lock into the
# build tree first. Screenshots land in build/ui-screens/STAGE/.
set(SANTA_UI_NODE_DIR ${CMAKE_BINARY_DIR}/ui-test)
add_test(NAME ui_npm_ci COMMAND ${CMAKE_CURRENT_LIST_DIR}/npm-ci ${SANTA_UI_NODE_DIR})
set_tests_properties(ui_npm_ci PROPERTIES FIXTURES_SETUP ui_node TIMEOUT 300 LABELS ui)

add_test(NAME ui_01-csv
         COMMAND node ${SANTA_UI_NODE_DIR}/ui_test.mjs $<TARGET_FILE:santa-01-csv>
                 ${CMAKE_BINARY_DIR}/ui-screens/01-csv)
set_tests_properties(ui_01-csv PROPERTIES FIXTURES_REQUIRED ui_node TIMEOUT 300 LABELS ui)
add_test(NAME ui_04-cache
         COMMAND ${CMAKE_SOURCE_DIR}/stages/03-postgres/tests/with-pg ${PG_TEST_CONNINFO_FILE}
                 ${CMAKE_SOURCE_DIR}/stages/04-cache/tests/with-servers
                 node ${SANTA_UI_NODE_DIR}/ui_test.mjs $<TARGET_FILE:santa-04-cache>
                 ${CMAKE_BINARY_DIR}/ui-screens/04-cache)
set_tests_properties(ui_04-cache PROPERTIES FIXTURES_REQUIRED "ui_node;pg_server" TIMEOUT 300
                     LABELS "ui;redis" ENVIRONMENT SANTA_E2E_NO_DATA=1)
