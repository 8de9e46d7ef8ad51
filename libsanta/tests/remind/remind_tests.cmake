# Reminders end to end against a real SMTP server (tools/smtp-sink, Debian's
# python3-aiosmtpd): test_remind.py starts the sink and each stage with
# deploy/local/up (workers included) in a run folder of its own.
set(REMIND_TEST ${CMAKE_SOURCE_DIR}/libsanta/tests/remind/test_remind.py)
function(santa_add_remind_test stage case)
  add_test(NAME remind_${case}_${stage}
           COMMAND ${REMIND_TEST} ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR} ${stage} ${case})
  set_tests_properties(remind_${case}_${stage} PROPERTIES TIMEOUT 300 LABELS "remind;e2e")
endfunction()
foreach(stage 01-csv 02-sqlite 03-postgres 04-cache 05-distributed)
  santa_add_remind_test(${stage} twenty)
endforeach()
foreach(stage 02-sqlite 03-postgres 04-cache 05-distributed)
  santa_add_remind_test(${stage} depth) # the server's /metrics shows the queue's depth
endforeach()
santa_add_remind_test(01-csv cli)
santa_add_remind_test(04-cache pages)
santa_add_remind_test(04-cache flush)
foreach(stage 02-sqlite 03-postgres 04-cache)
  santa_add_remind_test(${stage} kill)
  santa_add_remind_test(${stage} smtp-down)
  santa_add_remind_test(${stage} trace)
endforeach()
