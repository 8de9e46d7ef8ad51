# santa_add_stage(NAME STORE_LIB) builds build/bin/santa-NAME from stages/NAME/main.c,
# linked with libsanta and the stage's store library, so every stage's CMakeLists
# reads alike and `diff -r` between stages shows only the back end.
function(santa_add_stage name store_lib)
  add_executable(santa-${name} main.c)
  target_link_libraries(santa-${name} PRIVATE santa ${store_lib})
endfunction()

# santa_add_test(NAME SOURCES... LIBS ...) : one cmocka binary, registered with ctest.
function(santa_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  if(T_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  endif()
endfunction()

# santa_add_e2e(STAGE [SERVER_FIXTURE F... LAUNCHER CMD...]): runs the end-to-end HTTP
# suite against build/bin/santa-STAGE. A stage whose data lives in servers names
# the ctest fixtures that start them and a LAUNCHER that passes their addresses on
# (in SANTA_* variables; launchers chain, each execs the rest); its binary then
# gets no --data.
function(santa_add_e2e name)
  cmake_parse_arguments(E "" "" "SERVER_FIXTURE;LAUNCHER" ${ARGN})
  add_test(NAME e2e_${name} COMMAND ${E_LAUNCHER} $<TARGET_FILE:e2e_api> $<TARGET_FILE:santa-${name}>)
  set_tests_properties(e2e_${name} PROPERTIES TIMEOUT 600 LABELS e2e)
  # Issue 10's hostile inputs (framing, slow bodies, nesting, JSONTestSuite, rate limit).
  add_test(NAME e2e_hostile_${name}
           COMMAND ${E_LAUNCHER} $<TARGET_FILE:e2e_hostile> $<TARGET_FILE:santa-${name}>
                   ${CMAKE_SOURCE_DIR}/libsanta/tests/data/JSONTestSuite/test_parsing)
  set_tests_properties(e2e_hostile_${name} PROPERTIES TIMEOUT 300 LABELS e2e)
  if(E_SERVER_FIXTURE)
    set_tests_properties(e2e_${name} e2e_hostile_${name} PROPERTIES
                         FIXTURES_REQUIRED "${E_SERVER_FIXTURE}" ENVIRONMENT SANTA_E2E_NO_DATA=1)
  endif()
endfunction()

# santa_embed_migrations(BACKEND OUT_VAR): embeds the current stage's
# migrations/NNN_name.sql (numbered from 001, no gaps: the build stops
# otherwise) into store_BACKEND_migrations.c in the build tree, through
# embed_migrations.cmake; OUT_VAR gets that file, for the store library's
# sources. Adding a migration file needs no CMake edit (CONFIGURE_DEPENDS).
function(santa_embed_migrations backend out_var)
  file(GLOB sql CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/migrations/[0-9]*.sql)
  list(SORT sql)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/store_${backend}_migrations.c)
  set(script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_migrations.cmake)
  # A ;-list would be split into separate arguments of the command: pass it |-joined.
  list(JOIN sql "|" sql_arg)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DBACKEND=${backend} "-DMIGRATIONS=${sql_arg}" -DOUT=${out}
            -P ${script}
    DEPENDS ${sql} ${script}
    COMMENT "Embedding the ${backend} store's SQL migrations" VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
