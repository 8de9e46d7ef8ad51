/*
 * store_contract.h - the one conformance suite every store must pass.
 *
 * A back end's test program calls santa_store_contract_run() with a factory
 * that opens a fresh, empty store (a new temp directory, a new database ...)
 * for each test and a closer that removes what the factory made. The suite
 * exercises every operation of store.h and its documented errors, atomicity,
 * and concurrency (threads joining at once lose nothing; concurrent draws:
 * exactly one wins). It returns cmocka's failure count, so main() can
 * `return santa_store_contract_run(...)`.
 */
#ifndef SANTA_STORE_CONTRACT_H
#define SANTA_STORE_CONTRACT_H

#include "santa/store.h"

struct santa_store_factory {
    const char *name; /* shown in cmocka's group name, e.g. "csv" */
    /* Opens a fresh empty store; NULL on failure (the test then fails). */
    struct santa_store *(*open)(void *ctx);
    /* Reopens the same data (same dir / database) after close: durability. */
    struct santa_store *(*reopen)(void *ctx);
    /* Removes the data the last open() made (called after close). */
    void (*cleanup)(void *ctx);
    void *ctx;
};

int santa_store_contract_run(const struct santa_store_factory *factory);

#endif /* SANTA_STORE_CONTRACT_H */
