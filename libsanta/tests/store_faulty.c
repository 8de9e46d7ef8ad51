/*
 * store_faulty.c - the store that fails on demand (see store_faulty.h).
 *
 * Two atomics decide each operation's fate: `fail_all`, and `budget`, the
 * number of operations still allowed through (-1: unlimited). The budget is
 * taken with a compare-and-swap so that, with many threads, exactly n
 * operations pass and not one more. The forwarding is santa/store_wrap.h's;
 * the gate is this file's.
 */
#include <stdatomic.h>

#include "santa/alloc.h"
#include "santa/store_wrap.h"
#include "store_faulty.h"

struct faulty_store {
    struct santa_store_wrap w; /* first, so a santa_store * casts back */
    atomic_bool fail_all;
    atomic_long budget; /* operations still allowed; < 0: no limit */
    atomic_long calls;  /* operations asked for, passed or failed */
};

static struct faulty_store *faulty_cast(struct santa_store *s)
{
    return (struct faulty_store *)s;
}

/* true when this operation may reach the inner store (and uses up one unit
 * of the budget if there is one). */
static bool faulty_pass(struct faulty_store *f)
{
    atomic_fetch_add(&f->calls, 1);
    if (atomic_load(&f->fail_all))
        return false;
    long left = atomic_load(&f->budget);
    while (left > 0 && !atomic_compare_exchange_weak(&f->budget, &left, left - 1))
        ;
    return left != 0;
}

/* The gate of every forwarded operation (store_wrap.h): a refused call
 * never reaches the inner store. */
static enum santa_status faulty_enter(struct santa_store_wrap *w, struct santa_store_call *c)
{
    (void)c;
    return faulty_pass(faulty_cast(&w->base)) ? SANTA_OK : SANTA_UNAVAILABLE;
}

static void store_close(struct santa_store *s)
{
    santa_free(faulty_cast(s)); /* the inner store is closed already (store_wrap.h) */
}

/* Only close is its own; every other operation is forwarded through the gate. */
static const struct santa_store_ops faulty_store_ops = {.name = "faulty", .close = store_close};

static const struct santa_store_gate faulty_gate = {.enter = faulty_enter};

enum santa_status faulty_store_open(struct santa_store *inner, struct santa_store **out)
{
    *out = NULL;
    struct faulty_store *f = santa_calloc(1, sizeof *f);
    if (f == NULL) {
        santa_store_close(inner);
        return SANTA_UNAVAILABLE;
    }
    santa_store_wrap_init(&f->w, inner, &faulty_store_ops, &faulty_gate);
    atomic_init(&f->fail_all, false);
    atomic_init(&f->budget, -1);
    atomic_init(&f->calls, 0);
    *out = &f->w.base;
    return SANTA_OK;
}

void faulty_store_fail_after(struct santa_store *s, long n)
{
    atomic_store(&faulty_cast(s)->budget, n < 0 ? -1 : n);
}

void faulty_store_fail_all(struct santa_store *s, bool fail)
{
    struct faulty_store *f = faulty_cast(s);
    if (!fail)
        atomic_store(&f->budget, -1);
    atomic_store(&f->fail_all, fail);
}

long faulty_store_calls(struct santa_store *s)
{
    return atomic_load(&faulty_cast(s)->calls);
}
