/*
 * test_api.c - the API without sockets: santa_api_handle() over the
 * in-memory store, the failing store and a failing allocator.
 *
 * The end-to-end suite (e2e/) covers the contract route by route through
 * real processes; this file covers what is hard to provoke from outside:
 * a store that is down, a store that fails in the middle of a request, and
 * memory running out at every allocation of a request in turn. The promise
 * under test: a precise problem+json answer, never a crash, nothing half
 * written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/alloc.h"
#include "santa/api.h"
#include "santa/server.h"
#include "santa/token.h"
#include "store_faulty.h"
#include "store_mem.h"

struct fixture {
    struct santa_store *mem;    /* owned by faulty */
    struct santa_store *faulty; /* what the app uses */
    struct santa_app app;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_int_equal(mem_store_open(&f->mem), SANTA_OK);
    assert_int_equal(faulty_store_open(f->mem, &f->faulty), SANTA_OK);
    f->app.store = f->faulty;
    f->app.rng = santa_rng_csprng();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    santa_store_close(f->faulty);
    free(f);
    return 0;
}

static int handle(struct fixture *f, const char *method, const char *path, const char *auth,
                  const char *body, struct santa_response *resp)
{
    struct santa_request req = {
        .method = method,
        .path = path,
        .authorization = auth,
        .body = body,
        .body_len = body ? strlen(body) : 0,
    };
    santa_api_handle(&f->app, &req, resp);
    return resp->status;
}

/* Pulls "key":"value" out of a flat JSON body (test-only, ids and tokens are
 * base64url so no escapes occur). */
static void field(const char *body, const char *key, char *out, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(body, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t len = strcspn(p, "\"");
    assert_true(len < n);
    memcpy(out, p, len);
    out[len] = '\0';
}

struct ids {
    char id[64], admin[128], invite[64], path[128];
};

static void make_exchange(struct fixture *f, struct ids *x)
{
    struct santa_response r;
    long calls = faulty_store_calls(f->faulty);
    assert_int_equal(handle(f, "POST", "/api/exchanges", NULL, "{\"name\":\"t\"}", &r), 201);
    char tok[64];
    field(r.body, "id", x->id, sizeof x->id);
    field(r.body, "admin_token", tok, sizeof tok);
    field(r.body, "invite_code", x->invite, sizeof x->invite);
    snprintf(x->admin, sizeof x->admin, "Bearer %s", tok);
    snprintf(x->path, sizeof x->path, "/api/exchanges/%s", x->id);
    assert_string_equal(r.route, "POST /api/exchanges");
    assert_int_equal(faulty_store_calls(f->faulty) - calls, 1); /* one write, no read */
    santa_response_release(&r);
}

static void test_store_down_is_503_everywhere(void **state)
{
    struct fixture *f = *state;
    struct ids x;
    make_exchange(f, &x);
    faulty_store_fail_all(f->faulty, true);
    struct santa_response r;
    char path[200], body[256];
    assert_int_equal(handle(f, "GET", x.path, NULL, NULL, &r), 503);
    assert_string_equal(r.code, "unavailable");
    assert_string_equal(r.content_type, "application/problem+json");
    assert_non_null(strstr(r.body, "\"code\":\"unavailable\""));
    santa_response_release(&r);
    assert_int_equal(handle(f, "POST", "/api/exchanges", NULL, "{\"name\":\"t\"}", &r), 503);
    santa_response_release(&r);
    snprintf(path, sizeof path, "%s/participants", x.path);
    snprintf(body, sizeof body, "{\"invite_code\":\"%s\",\"name\":\"a\",\"email\":\"a@b.co\"}",
             x.invite);
    assert_int_equal(handle(f, "POST", path, NULL, body, &r), 503);
    santa_response_release(&r);
    assert_int_equal(handle(f, "GET", path, x.admin, NULL, &r), 503); /* auth needs the store */
    santa_response_release(&r);
    assert_int_equal(handle(f, "GET", "/readyz", NULL, NULL, &r), 503);
    santa_response_release(&r);
    assert_int_equal(handle(f, "GET", "/healthz", NULL, NULL, &r), 200); /* the process runs */
    santa_response_release(&r);

    /* and once it is back, nothing was half-written meanwhile */
    faulty_store_fail_all(f->faulty, false);
    assert_int_equal(handle(f, "GET", x.path, NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body, "\"participant_count\":0"));
    santa_response_release(&r);
}

static void test_store_failing_mid_request(void **state)
{
    struct fixture *f = *state;
    struct ids x;
    make_exchange(f, &x);
    char path[200], body[256];
    snprintf(path, sizeof path, "%s/participants", x.path);
    snprintf(body, sizeof body, "{\"invite_code\":\"%s\",\"name\":\"a\",\"email\":\"a@b.co\"}",
             x.invite);
    /* join reads the exchange, then writes: fail the write */
    faulty_store_fail_after(f->faulty, 1);
    struct santa_response r;
    assert_int_equal(handle(f, "POST", path, NULL, body, &r), 503);
    santa_response_release(&r);
    faulty_store_fail_all(f->faulty, false);
    assert_int_equal(handle(f, "GET", x.path, NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body, "\"participant_count\":0"));
    santa_response_release(&r);
    assert_int_equal(handle(f, "POST", path, NULL, body, &r), 201);
    santa_response_release(&r);
}

/* ---- a failing allocator: the n-th allocation (and every later one) fails ---- */

static long alloc_budget = -1; /* < 0: unlimited */

static void *failing_malloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(n);
}

static void *failing_calloc(size_t c, size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return calloc(c, n);
}

static void *failing_realloc(void *p, size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, n);
}

static const struct santa_alloc_hooks failing = {failing_malloc, failing_calloc, failing_realloc,
                                                 free};

static void test_out_of_memory_at_every_step(void **state)
{
    struct fixture *f = *state;
    struct ids x;
    make_exchange(f, &x);
    char path[200], body[256];
    snprintf(path, sizeof path, "%s/participants", x.path);
    int ok = 0, unavailable = 0;
    santa_alloc_set_hooks(&failing);
    for (long budget = 0; budget < 200; budget++) {
        snprintf(body, sizeof body,
                 "{\"invite_code\":\"%s\",\"name\":\"n%ld\",\"email\":\"n%ld@b.co\"}", x.invite,
                 budget, budget);
        alloc_budget = budget;
        struct santa_response r;
        int status = handle(f, "POST", path, NULL, body, &r);
        alloc_budget = -1;
        if (status == 201)
            ok++;
        else if (status == 503)
            unavailable++;
        else
            fail_msg("budget %ld: unexpected status %d", budget, status);
        santa_response_release(&r);
    }
    santa_alloc_set_hooks(NULL);
    print_message("join under a failing allocator: %d answered 201, %d answered 503\n", ok,
                  unavailable);
    assert_true(unavailable > 0 && ok > 0);
    /* every 201 is really there, and nothing else is */
    struct santa_response r;
    assert_int_equal(handle(f, "GET", x.path, NULL, NULL, &r), 200);
    char expect[64];
    snprintf(expect, sizeof expect, "\"participant_count\":%d", ok);
    if (strstr(r.body, expect) == NULL)
        fail_msg("expected %s in %s", expect, r.body);
    santa_response_release(&r);
}

/* ---- memory of the largest page ------------------------------------------ */

/* Counting allocator: every block carries its size in a 16-byte header
 * (keeping malloc's alignment), so the bytes in use and their peak are
 * known at every moment. */
static size_t mem_now, mem_peak;

static void *count_malloc(size_t n)
{
    size_t *b = malloc(n + 16);
    if (!b)
        return NULL;
    b[0] = n;
    mem_now += n;
    if (mem_now > mem_peak)
        mem_peak = mem_now;
    return (char *)b + 16;
}

static void count_free(void *p)
{
    if (!p)
        return;
    size_t *b = (size_t *)((char *)p - 16);
    mem_now -= b[0];
    free(b);
}

static void *count_calloc(size_t count, size_t n)
{
    if (n && count > (size_t)-1 / n)
        return NULL;
    void *p = count_malloc(count * n);
    if (p)
        memset(p, 0, count * n);
    return p;
}

static void *count_realloc(void *p, size_t n)
{
    if (!p)
        return count_malloc(n);
    size_t old = ((size_t *)((char *)p - 16))[0];
    void *q = count_malloc(n);
    if (q) {
        memcpy(q, p, old < n ? old : n);
        count_free(p);
    }
    return q;
}

/* A page of 1000 participants with every text at its maximum (4-byte
 * characters): what one request may hold at its peak, against the bytes the
 * answer itself carries. */
static void test_largest_page_is_bounded(void **state)
{
    struct fixture *f = *state;
    struct ids x;
    make_exchange(f, &x);
    static char body[40000];
    char name[401] = "", wish[8001] = "", path[200];
    for (int i = 0; i < 100; i++)
        memcpy(name + 4 * i, "\xF0\x9F\x8E\x85", 4);
    for (int i = 0; i < 2000; i++)
        memcpy(wish + 4 * i, "\xF0\x9F\x8E\x81", 4);
    snprintf(path, sizeof path, "%s/participants", x.path);
    for (int i = 0; i < 1000; i++) {
        char email[255];
        snprintf(email, sizeof email, "%04d-%0*d@example.org", i, 64 - 5, 0); /* local part: 64 */
        snprintf(body, sizeof body,
                 "{\"invite_code\":\"%s\",\"name\":\"%s\",\"email\":\"%s\",\"wishlist\":\"%s\"}",
                 x.invite, name, email, wish);
        struct santa_response r;
        if (handle(f, "POST", path, NULL, body, &r) != 201)
            fail_msg("join %d: %d %s", i, r.status, r.body);
        santa_response_release(&r);
    }
    static const struct santa_alloc_hooks counting = {count_malloc, count_calloc, count_realloc,
                                                       count_free};
    santa_alloc_set_hooks(&counting);
    mem_now = mem_peak = 0;
    struct santa_response r;
    snprintf(path, sizeof path, "%s/participants", x.path);
    struct santa_request req = {.method = "GET", .path = path, .query = "limit=1000",
                                .authorization = x.admin};
    santa_api_handle(&f->app, &req, &r);
    int st = r.status;
    size_t peak = mem_peak, answer = r.body_len;
    if (st != 200)
        fail_msg("GET %s: %d %s", path, st, r.body);
    santa_response_release(&r); /* while the hooks that made it are in place */
    santa_alloc_set_hooks(NULL);
    print_message("1000-row page of maximal rows: answer %zu bytes, peak %zu bytes in use\n",
                  answer, peak);
    /* Whatever the rows hold: a few MiB, not 1000 x 8 KB several times over
     * (41.6 MB in use for an 8.5 MB answer before pages had a budget). */
    assert_true(peak < (8u << 20));

    /* The page ended early with a cursor; following the cursors gives every
     * participant once, in join order. */
    char cursor[64] = "", query[96];
    unsigned total = 0, pages = 0;
    for (;;) {
        snprintf(query, sizeof query, "limit=1000%s%s", cursor[0] ? "&cursor=" : "", cursor);
        struct santa_request page = {.method = "GET", .path = path, .query = query,
                                     .authorization = x.admin};
        santa_api_handle(&f->app, &page, &r);
        assert_int_equal(r.status, 200);
        for (const char *q = r.body; (q = strstr(q, "\"id\":\"")) != NULL; q++)
            total++;
        pages++;
        const char *next = strstr(r.body, "\"next_cursor\":\"");
        if (next)
            field(r.body, "next_cursor", cursor, sizeof cursor);
        santa_response_release(&r);
        if (!next)
            break;
        assert_true(pages < 1000);
    }
    assert_int_equal(total, 1000);
    assert_true(pages > 1);
}

static void test_routes_and_timing(void **state)
{
    struct fixture *f = *state;
    struct ids x;
    make_exchange(f, &x);
    struct santa_response r;
    long calls = faulty_store_calls(f->faulty);
    assert_int_equal(handle(f, "GET", x.path, NULL, NULL, &r), 200);
    assert_string_equal(r.route, "GET /api/exchanges/{id}"); /* never the raw id */
    assert_int_equal(faulty_store_calls(f->faulty) - calls, 1);
    santa_response_release(&r);
    assert_int_equal(handle(f, "GET", "/api/exchanges", NULL, NULL, &r), 404);
    assert_string_equal(r.route, "unmatched");
    santa_response_release(&r);
    char path[200];
    snprintf(path, sizeof path, "%s/draw", x.path);
    assert_int_equal(handle(f, "POST", path, x.admin, "{\"force\":true}", &r), 400);
    assert_string_equal(r.code, "unknown_field");
    santa_response_release(&r);
    assert_int_equal(handle(f, "POST", path, x.admin, "{}", &r), 422);
    assert_string_equal(r.code, "too_few_participants");
    santa_response_release(&r);
}

int main(void)
{
    assert_int_equal(santa_runtime_init(), 0); /* libsodium, jansson via santa_malloc */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_down_is_503_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_failing_mid_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory_at_every_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes_and_timing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_largest_page_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
