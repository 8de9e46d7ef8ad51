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
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
