# The store test kit: the in-memory reference store, the failing wrapper and
# the contract suite every back end runs (stages link santa_testkit too).
add_library(santa_testkit STATIC store_mem.c store_faulty.c store_contract.c
  store_contract_kit.c store_contract_exchange.c store_contract_participant.c
  store_contract_draw.c store_contract_concurrency.c)
target_include_directories(santa_testkit PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(santa_testkit PUBLIC santa_core PkgConfig::CMOCKA Threads::Threads)

# The contract against the reference store itself.
santa_add_test(test_store_mem SOURCES test_store_mem.c LIBS santa_testkit)

# The forwarding base of wrapping stores (santa/store_wrap.h): the contract
# through a wrapper that replaces nothing, then gate, override, close order.
santa_add_test(test_store_wrap SOURCES test_store_wrap.c LIBS santa_testkit)
# The per-thread connection slot every server-backed store keeps its connections in.
santa_add_test(test_thread_slot SOURCES test_thread_slot.c LIBS santa_core)
# The decisions every store shares (which refusal wins, the reveal's row).
santa_add_test(test_store_rules SOURCES test_store_rules.c LIBS santa_core)
