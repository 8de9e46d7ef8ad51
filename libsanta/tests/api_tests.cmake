# Unit tests of the API layer (no sockets) and the end-to-end HTTP suite.
set(JSON_SUITE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data/JSONTestSuite/test_parsing)
santa_add_test(test_json SOURCES test_json.c LIBS santa PkgConfig::JANSSON
               ARGS ${JSON_SUITE_DIR})
target_include_directories(test_json PRIVATE ${CMAKE_SOURCE_DIR}/libsanta/src)
santa_add_test(test_validate SOURCES test_validate.c LIBS santa)
target_include_directories(test_validate PRIVATE ${CMAKE_SOURCE_DIR}/libsanta/src)
santa_add_test(test_config SOURCES test_config.c LIBS santa)
santa_add_test(test_ratelimit SOURCES test_ratelimit.c LIBS santa)
target_include_directories(test_ratelimit PRIVATE ${CMAKE_SOURCE_DIR}/libsanta/src)

# End-to-end: the same suite against every stage binary (real processes,
# loopback only). Stages register their run with santa_add_e2e(STAGE).
# The harness (e2e.h) is one library: stage 04's test_api_cache links it too.
add_library(e2e_harness STATIC e2e/e2e_harness.c)
target_include_directories(e2e_harness PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/e2e)
target_link_libraries(e2e_harness PUBLIC santa_testproc PkgConfig::LIBCURL PkgConfig::JANSSON)

add_executable(e2e_api e2e/e2e_api.c)
target_link_libraries(e2e_api PRIVATE e2e_harness PkgConfig::CMOCKA Threads::Threads)
set_target_properties(e2e_api PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

add_executable(e2e_hostile e2e/e2e_hostile.c)
target_link_libraries(e2e_hostile PRIVATE e2e_harness PkgConfig::CMOCKA Threads::Threads)
set_target_properties(e2e_hostile PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

# Handlers without sockets, over the in-memory and the failing store.
santa_add_test(test_api SOURCES test_api.c LIBS santa santa_testkit)

# libinstrument end to end: /metrics through promtool, traces, statsd, Server-Timing.
# Registered by the top-level CMakeLists against stage 02 (e2e_instrument_02-sqlite).
add_executable(e2e_instrument e2e/e2e_instrument.c)
target_link_libraries(e2e_instrument PRIVATE e2e_harness PkgConfig::CMOCKA Threads::Threads)
set_target_properties(e2e_instrument PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
