/*
 * test_store_wrap.c - the forwarding base of wrapping stores
 * (santa/store_wrap.h).
 *
 * First the whole store contract through a wrapper that replaces nothing:
 * every forwarder must hand every argument through unchanged. Then what a
 * wrapper relies on: a replaced operation is its own, the gate sees every
 * forwarded call by name and can refuse it before the inner store is
 * touched, close closes the inner store before the wrapper's own close,
 * thread_stop runs the wrapper's own before the inner store's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "santa/alloc.h"
#include "santa/store_wrap.h"
#include "santa/token.h"
#include "store_contract.h"
#include "store_mem.h"

/* ---- a wrapper that records what happens to it ---- */

struct events {
    char log[256]; /* "inner.close outer.close ..." */
};

struct test_wrap {
    struct santa_store_wrap w; /* first */
    const char *label;         /* "inner", "outer" */
    struct events *ev;         /* NULL: record nothing */
    bool refuse;               /* the gate answers SANTA_UNAVAILABLE */
    int entered, left;
    enum santa_store_op last_op;
    enum santa_status last_status;
};

static struct test_wrap *tw_cast(struct santa_store *s)
{
    return (struct test_wrap *)s;
}

static void note(struct test_wrap *t, const char *what)
{
    if (t->ev == NULL)
        return;
    size_t n = strlen(t->ev->log);
    snprintf(t->ev->log + n, sizeof t->ev->log - n, "%s.%s ", t->label, what);
}

static void tw_close(struct santa_store *s)
{
    note(tw_cast(s), "close");
    santa_free(s);
}

static void tw_thread_stop(struct santa_store *s)
{
    note(tw_cast(s), "thread_stop");
}

/* The one operation the recording wrapper replaces: it never asks the inner
 * store, so an answer of its own proves the table entry won. */
static enum santa_status tw_undraw(struct santa_store *s, const char *exchange_id)
{
    (void)exchange_id;
    note(tw_cast(s), "undraw");
    return SANTA_NOT_DRAWN;
}

static enum santa_status tw_enter(struct santa_store_wrap *w, struct santa_store_call *c)
{
    struct test_wrap *t = tw_cast(&w->base);
    t->entered++;
    t->last_op = c->op;
    c->t0 = 42; /* the gate's own room, read back in leave */
    return t->refuse ? SANTA_UNAVAILABLE : SANTA_OK;
}

static enum santa_status tw_leave(struct santa_store_wrap *w, struct santa_store_call *c,
                                  enum santa_status st)
{
    struct test_wrap *t = tw_cast(&w->base);
    assert_int_equal(c->t0, 42);
    assert_int_equal(c->op, t->last_op);
    t->left++;
    t->last_status = st;
    return st;
}

static const struct santa_store_ops recording_ops = {
    .name = "recording",
    .close = tw_close,
    .thread_stop = tw_thread_stop,
    .undraw = tw_undraw,
};

static const struct santa_store_ops plain_ops = {.name = "plain", .close = tw_close};

static const struct santa_store_gate recording_gate = {.enter = tw_enter, .leave = tw_leave};

static struct santa_store *tw_open(struct santa_store *inner, const struct santa_store_ops *own,
                                   const struct santa_store_gate *gate, const char *label,
                                   struct events *ev)
{
    struct test_wrap *t = santa_calloc(1, sizeof *t);
    if (t == NULL || inner == NULL) {
        santa_free(t);
        santa_store_close(inner);
        return NULL;
    }
    t->label = label;
    t->ev = ev;
    return santa_store_wrap_init(&t->w, inner, own, gate);
}

static struct santa_store *mem(void)
{
    struct santa_store *s = NULL;
    return mem_store_open(&s) == SANTA_OK ? s : NULL;
}

/* ---- the contract through a wrapper that replaces nothing ---- */

static struct santa_store *open_plain(void *ctx)
{
    (void)ctx;
    return tw_open(mem(), &plain_ops, NULL, "plain", NULL);
}

static void cleanup_nothing(void *ctx)
{
    (void)ctx;
}

/* ---- what wrappers rely on ---- */

static void make_exchange(struct santa_store *s, struct santa_exchange *ex)
{
    memset(ex, 0, sizeof *ex);
    assert_int_equal(santa_id_new(ex->id), SANTA_OK);
    ex->name = "Office";
    memcpy(ex->exchange_date, "2026-12-24", sizeof ex->exchange_date);
    assert_int_equal(s->ops->exchange_create(s, ex), SANTA_OK);
}

static void test_names_come_from_the_table(void **state)
{
    (void)state;
    struct santa_store *s = tw_open(mem(), &recording_ops, NULL, "outer", NULL);
    assert_non_null(s);
    assert_string_equal(s->ops->name, "recording");
    assert_string_equal(santa_store_op_name(SANTA_STORE_OP_ping), "ping");
    assert_string_equal(santa_store_op_name(SANTA_STORE_OP_reminders_queue), "reminders_queue");
    assert_string_equal(santa_store_op_name(SANTA_STORE_OP_COUNT), "other");
    santa_store_close(s);
}

static void test_replaced_operation_is_the_wrappers(void **state)
{
    (void)state;
    struct events ev = {""};
    struct santa_store *s = tw_open(mem(), &recording_ops, &recording_gate, "outer", &ev);
    assert_non_null(s);
    struct santa_exchange ex;
    make_exchange(s, &ex);
    /* mem would answer SANTA_OK for an open exchange; the wrapper's own
     * undraw answers NOT_DRAWN and passes no gate */
    int entered = tw_cast(s)->entered;
    assert_int_equal(s->ops->undraw(s, ex.id), SANTA_NOT_DRAWN);
    assert_int_equal(tw_cast(s)->entered, entered);
    assert_string_equal(ev.log, "outer.undraw ");
    santa_store_close(s);
}

static void test_gate_sees_every_forwarded_call(void **state)
{
    (void)state;
    struct santa_store *s = tw_open(mem(), &recording_ops, &recording_gate, "outer", NULL);
    assert_non_null(s);
    struct test_wrap *t = tw_cast(s);
    struct santa_exchange ex, got;
    make_exchange(s, &ex);
    assert_int_equal(t->last_op, SANTA_STORE_OP_exchange_create);
    struct santa_arena a;
    santa_arena_init(&a, 1u << 16);
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_OK);
    assert_string_equal(got.name, "Office");
    assert_int_equal(t->last_op, SANTA_STORE_OP_exchange_get);
    assert_int_equal(s->ops->exchange_get(s, "AAAAAAAAAAAAAAAAAAAAAA", &a, &got), SANTA_NOT_FOUND);
    assert_int_equal(t->last_status, SANTA_NOT_FOUND); /* leave saw the inner answer */
    assert_int_equal(s->ops->ping(s), SANTA_OK);
    assert_int_equal(t->last_op, SANTA_STORE_OP_ping);
    assert_int_equal(t->entered, 4);
    assert_int_equal(t->left, 4);
    santa_arena_release(&a);
    santa_store_close(s);
}

static void test_refused_call_never_reaches_inner(void **state)
{
    (void)state;
    struct santa_store *s = tw_open(mem(), &recording_ops, &recording_gate, "outer", NULL);
    assert_non_null(s);
    struct test_wrap *t = tw_cast(s);
    struct santa_exchange ex, got;
    memset(&ex, 0, sizeof ex);
    assert_int_equal(santa_id_new(ex.id), SANTA_OK);
    ex.name = "Refused";
    memcpy(ex.exchange_date, "2026-12-24", sizeof ex.exchange_date);
    t->refuse = true;
    assert_int_equal(s->ops->exchange_create(s, &ex), SANTA_UNAVAILABLE);
    assert_int_equal(t->left, 0); /* no leave without an inner call */
    t->refuse = false;
    struct santa_arena a;
    santa_arena_init(&a, 1u << 16);
    /* the inner store never saw the exchange */
    assert_int_equal(s->ops->exchange_get(s, ex.id, &a, &got), SANTA_NOT_FOUND);
    santa_arena_release(&a);
    santa_store_close(s);
}

static void test_close_and_thread_stop_order(void **state)
{
    (void)state;
    struct events ev = {""};
    struct santa_store *inner = tw_open(mem(), &recording_ops, NULL, "inner", &ev);
    struct santa_store *outer = tw_open(inner, &recording_ops, NULL, "outer", &ev);
    assert_non_null(outer);
    outer->ops->thread_stop(outer);
    assert_string_equal(ev.log, "outer.thread_stop inner.thread_stop ");
    ev.log[0] = '\0';
    santa_store_close(outer);
    assert_string_equal(ev.log, "inner.close outer.close ");
}

int main(void)
{
    if (santa_token_init() != SANTA_OK)
        return 1;
    const struct santa_store_factory plain = {
        .name = "wrap(mem)", .open = open_plain, .cleanup = cleanup_nothing};
    int failed = santa_store_contract_run(&plain);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_come_from_the_table),
        cmocka_unit_test(test_replaced_operation_is_the_wrappers),
        cmocka_unit_test(test_gate_sees_every_forwarded_call),
        cmocka_unit_test(test_refused_call_never_reaches_inner),
        cmocka_unit_test(test_close_and_thread_stop_order),
    };
    return failed + cmocka_run_group_tests_name("store_wrap", tests, NULL, NULL);
}
