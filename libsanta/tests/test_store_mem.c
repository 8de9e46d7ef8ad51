/*
 * test_store_mem.c - the store contract suite against the in-memory store.
 *
 * The reference implementation must pass its own contract first: when a
 * back end fails the suite, this run shows the fault is the back end's.
 */
#include <stddef.h>

#include "store_contract.h"
#include "store_mem.h"

static struct santa_store *open_mem(void *ctx)
{
    (void)ctx;
    struct santa_store *s = NULL;
    return mem_store_open(&s) == SANTA_OK ? s : NULL;
}

static void cleanup_mem(void *ctx)
{
    (void)ctx; /* nothing outlives close() */
}

int main(void)
{
    const struct santa_store_factory factory = {
        .name = "mem",
        .open = open_mem,
        .reopen = NULL, /* memory does not survive close: durability is skipped */
        .cleanup = cleanup_mem,
        .ctx = NULL,
    };
    return santa_store_contract_run(&factory);
}
