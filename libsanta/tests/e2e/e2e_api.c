/*
 * e2e_api.c - the whole HTTP contract of docs/API.md, against a real
 * stage binary (argv[1]) on a loopback port. Every stage runs this same file.
 *
 * Besides every route, status and error code it checks the things users
 * care about most: tokens never cross exchanges, the organizer never sees a
 * pair, concurrent joins lose nothing, concurrent draws have one winner,
 * and a kill -9 in the middle of a stream of joins (the stream running on
 * through the outage and the restart) loses no acknowledged one.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"
#include "testproc.h"

static struct e2e_server server;
static const char *binary;

struct exchange {
    char id[64], admin[64], invite[64];
};

struct person {
    char id[64], token[64];
};

/* ---- small helpers ---- */

static long call(const char *method, const char *path, const char *token, const char *body,
                 struct e2e_resp *r)
{
    int rc = e2e_request(&server, method, path, token, body, body ? strlen(body) : 0, NULL, r);
    if (rc != 0)
        fail_msg("%s %s: no HTTP answer", method, path);
    return r->status;
}

/* Asserts a problem+json answer with this status and code. */
static void expect_problem(struct e2e_resp *r, long status, const char *code)
{
    if (r->status != status || strcmp(e2e_str(r->json, "code"), code) != 0)
        fail_msg("expected %ld %s, got %ld %s", status, code, r->status, r->body);
    assert_true(e2e_has_header(r, "Content-Type", "application/problem+json"));
    assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
    assert_string_equal(e2e_str(r->json, "type"), "about:blank");
    assert_true(strlen(e2e_str(r->json, "title")) > 0);
    assert_true(strlen(e2e_str(r->json, "detail")) > 0);
}

static void call_expect(const char *method, const char *path, const char *token, const char *body,
                        long status, const char *code)
{
    struct e2e_resp r;
    call(method, path, token, body, &r);
    if (code)
        expect_problem(&r, status, code);
    else if (r.status != status)
        fail_msg("%s %s: expected %ld, got %ld %s", method, path, status, r.status, r.body);
    e2e_resp_free(&r);
}

static void create(struct exchange *x, const char *body)
{
    struct e2e_resp r;
    if (call("POST", "/api/exchanges", NULL, body, &r) != 201)
        fail_msg("create: %ld %s", r.status, r.body);
    snprintf(x->id, sizeof x->id, "%s", e2e_str(r.json, "id"));
    snprintf(x->admin, sizeof x->admin, "%s", e2e_str(r.json, "admin_token"));
    snprintf(x->invite, sizeof x->invite, "%s", e2e_str(r.json, "invite_code"));
    assert_true(strlen(x->admin) >= 43); /* >= 256 bits in base64url */
    e2e_resp_free(&r);
}

static void join(const struct exchange *x, const char *name, const char *email, struct person *p)
{
    char path[128], body[512];
    snprintf(path, sizeof path, "/api/exchanges/%s/participants", x->id);
    snprintf(body, sizeof body, "{\"invite_code\":\"%s\",\"name\":\"%s\",\"email\":\"%s\"}",
             x->invite, name, email);
    struct e2e_resp r;
    if (call("POST", path, NULL, body, &r) != 201)
        fail_msg("join %s: %ld %s", email, r.status, r.body);
    snprintf(p->id, sizeof p->id, "%s", e2e_str(r.json, "id"));
    snprintf(p->token, sizeof p->token, "%s", e2e_str(r.json, "token"));
    assert_string_equal(e2e_str(r.json, "name"), name);
    assert_true(strlen(p->token) >= 43);
    e2e_resp_free(&r);
}

static void path_of(char *buf, size_t n, const struct exchange *x, const char *suffix)
{
    snprintf(buf, n, "/api/exchanges/%s%s", x->id, suffix);
}

/* ---- the contract ---- */

static void test_health_and_headers(void **state)
{
    (void)state;
    struct e2e_resp r;
    assert_int_equal(call("GET", "/healthz", NULL, NULL, &r), 200);
    assert_true(e2e_has_header(&r, "Server-Timing", "store;dur="));
    assert_true(e2e_has_header(&r, "Cache-Control", "no-store"));
    assert_true(e2e_has_header(&r, "X-Content-Type-Options", "nosniff"));
    assert_true(e2e_has_header(&r, "X-Frame-Options", "DENY"));
    e2e_resp_free(&r);
    assert_int_equal(call("GET", "/readyz", NULL, NULL, &r), 200);
    e2e_resp_free(&r);
    call_expect("GET", "/nope", NULL, NULL, 404, "not_found");
    call_expect("GET", "/../../etc/passwd", NULL, NULL, 404, "not_found");
    call_expect("PATCH", "/api/exchanges", NULL, "{}", 404, "not_found");
    call_expect("GET", "/api/exchanges/AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 404, "not_found");
    call_expect("GET", "/api/exchanges/short", NULL, NULL, 404, "not_found");
}

static void test_create_and_view(void **state)
{
    (void)state;
    struct e2e_resp r;
    const char *body = "{\"name\":\"Office, \\\"2026\\\" =1+1\",\"budget\":\"25 EUR\","
                       "\"exchange_date\":\"2026-12-24\",\"no_mutual\":true}";
    assert_int_equal(call("POST", "/api/exchanges", NULL, body, &r), 201);
    char loc[128];
    snprintf(loc, sizeof loc, "/api/exchanges/%s", e2e_str(r.json, "id"));
    assert_true(e2e_has_header(&r, "Location", loc));
    assert_string_equal(e2e_str(r.json, "status"), "open");
    assert_true(json_is_true(json_object_get(r.json, "no_mutual")));
    e2e_resp_free(&r);

    assert_int_equal(call("GET", loc, NULL, NULL, &r), 200);
    assert_string_equal(e2e_str(r.json, "name"), "Office, \"2026\" =1+1");
    assert_string_equal(e2e_str(r.json, "budget"), "25 EUR");
    assert_string_equal(e2e_str(r.json, "exchange_date"), "2026-12-24");
    assert_int_equal(json_integer_value(json_object_get(r.json, "participant_count")), 0);
    /* the public view carries no secret */
    assert_null(json_object_get(r.json, "admin_token"));
    assert_null(json_object_get(r.json, "invite_code"));
    assert_int_equal(json_object_size(r.json), 7);
    e2e_resp_free(&r);

    assert_int_equal(call("POST", "/api/exchanges", NULL, "{\"name\":\"plain\"}", &r), 201);
    assert_true(json_is_null(json_object_get(r.json, "budget")));
    assert_true(json_is_null(json_object_get(r.json, "exchange_date")));
    assert_true(json_is_false(json_object_get(r.json, "no_mutual")));
    e2e_resp_free(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct e2e_resp r;
    call_expect("POST", "/api/exchanges", NULL, "{\"name\":", 400, "invalid_json");
    call_expect("POST", "/api/exchanges", NULL, "{\"name\":\"a\",}", 400, "invalid_json");
    call_expect("POST", "/api/exchanges", NULL, "", 400, "invalid_json");
    call_expect("POST", "/api/exchanges", NULL, "[\"name\"]", 400, "validation_failed");
    call_expect("POST", "/api/exchanges", NULL, "{\"name\":\"a\",\"name\":\"b\"}", 400,
                "validation_failed");
    call("POST", "/api/exchanges", NULL, "{\"name\":\"a\",\"status\":\"drawn\"}", &r);
    expect_problem(&r, 400, "unknown_field");
    assert_string_equal(e2e_str(r.json, "field"), "status");
    e2e_resp_free(&r);
    call("POST", "/api/exchanges", NULL, "{\"budget\":\"1\"}", &r);
    expect_problem(&r, 400, "validation_failed");
    assert_string_equal(e2e_str(r.json, "field"), "name");
    e2e_resp_free(&r);
    call("POST", "/api/exchanges", NULL, "{\"name\":\"a\",\"exchange_date\":\"2026-02-30\"}", &r);
    expect_problem(&r, 400, "validation_failed");
    assert_string_equal(e2e_str(r.json, "field"), "exchange_date");
    e2e_resp_free(&r);
    call("POST", "/api/exchanges", NULL, "{\"name\":\"a\",\"no_mutual\":\"yes\"}", &r);
    expect_problem(&r, 400, "validation_failed");
    assert_string_equal(e2e_str(r.json, "field"), "no_mutual");
    e2e_resp_free(&r);

    /* 64 KiB is the limit: one byte over is refused before it is read */
    size_t big = 65537;
    char *body = malloc(big + 1);
    memset(body, ' ', big);
    memcpy(body, "{\"name\":\"x\"", 11);
    body[big - 1] = '}';
    body[big] = '\0';
    assert_int_equal(e2e_request(&server, "POST", "/api/exchanges", NULL, body, big, NULL, &r), 0);
    expect_problem(&r, 413, "body_too_large");
    e2e_resp_free(&r);
    body[big - 2] = '}';
    assert_int_equal(e2e_request(&server, "POST", "/api/exchanges", NULL, body, big - 1, NULL, &r),
                     0);
    assert_int_equal(r.status, 201); /* exactly 65536 bytes is fine */
    e2e_resp_free(&r);
    free(body);

    /* A body framed two ways is refused (request smuggling): raw bytes, since
     * libcurl would drop one of the two headers. The chunked framing here
     * carries a valid exchange, so only the refusal keeps it from a 201. */
    static const char twice[] = "POST /api/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Type: application/json\r\n"
                                "Content-Length: 12\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "c\r\n{\"name\":\"x\"}\r\n0\r\n\r\n";
    char answer[2048];
    long st = e2e_raw(&server, twice, sizeof twice - 1, answer, sizeof answer);
    if (getenv("SANTA_E2E_EDGE_REFRAMES")) {
        /* Behind a proxy that takes RFC 9112 section 6.1's other allowed
         * answer (HAProxy drops the Content-Length and forwards the chunked
         * body alone): santa sees one chunked request, which it refuses
         * (411) - or a proxy that de-chunks it gives a 201. Either way
         * exactly one answer came back: nothing was smuggled behind it. */
        assert_true(st == 400 || st == 411 || st == 201);
        assert_null(strstr(answer + 1, "HTTP/1."));
        return;
    }
    assert_int_equal(st, 400);
    assert_non_null(strstr(answer, "application/problem+json"));
    assert_non_null(strstr(answer, "\"code\":\"validation_failed\""));
}

static void test_join_rules(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"join rules\"}");
    struct person a;
    join(&x, "Ann", "ann@example.org", &a);
    char path[128], body[512];
    path_of(path, sizeof path, &x, "/participants");
    snprintf(body, sizeof body,
             "{\"invite_code\":\"wrong\",\"name\":\"Bob\",\"email\":\"bob@example.org\"}");
    call_expect("POST", path, NULL, body, 403, "bad_invite");
    snprintf(body, sizeof body,
             "{\"invite_code\":\"%s\",\"name\":\"Ann 2\",\"email\":\"ANN@Example.org\"}", x.invite);
    call_expect("POST", path, NULL, body, 409, "email_taken");
    snprintf(body, sizeof body, "{\"invite_code\":\"%s\",\"name\":\"Bob\",\"email\":\"bob\"}",
             x.invite);
    struct e2e_resp r;
    call("POST", path, NULL, body, &r);
    expect_problem(&r, 400, "validation_failed");
    assert_string_equal(e2e_str(r.json, "field"), "email");
    e2e_resp_free(&r);
    snprintf(
        body, sizeof body,
        "{\"invite_code\":\"%s\",\"name\":\"Bob\",\"email\":\"b@example.org\",\"token\":\"x\"}",
        x.invite);
    call_expect("POST", path, NULL, body, 400, "unknown_field");
    /* an invite code does not open another exchange */
    struct exchange y;
    create(&y, "{\"name\":\"other\"}");
    path_of(path, sizeof path, &y, "/participants");
    snprintf(body, sizeof body,
             "{\"invite_code\":\"%s\",\"name\":\"Eve\",\"email\":\"eve@example.org\"}", x.invite);
    call_expect("POST", path, NULL, body, 403, "bad_invite");
    call_expect("POST", "/api/exchanges/AAAAAAAAAAAAAAAAAAAAAA/participants", NULL, body, 404,
                "not_found");

    char view[128];
    path_of(view, sizeof view, &x, "");
    call("GET", view, NULL, NULL, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "participant_count")), 1);
    e2e_resp_free(&r);
}

static void test_auth_boundaries(void **state)
{
    (void)state;
    struct exchange x, y;
    create(&x, "{\"name\":\"x\"}");
    create(&y, "{\"name\":\"y\"}");
    struct person a, b;
    join(&x, "A", "a@example.org", &a);
    join(&y, "B", "b@example.org", &b);
    char path[128];
    path_of(path, sizeof path, &x, "/participants");
    struct e2e_resp r;
    call("GET", path, NULL, NULL, &r);
    expect_problem(&r, 401, "unauthorized");
    assert_true(e2e_has_header(&r, "WWW-Authenticate", "Bearer"));
    e2e_resp_free(&r);
    call_expect("GET", path, "not-a-token", NULL, 401, "unauthorized");
    call_expect("GET", path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 401,
                "unauthorized");
    call_expect("GET", path, y.admin, NULL, 403, "forbidden"); /* other exchange's organizer */
    call_expect("GET", path, b.token, NULL, 403, "forbidden"); /* other exchange's participant */
    call_expect("GET", path, a.token, NULL, 403, "forbidden"); /* participant, not organizer */
    call_expect("GET", path, x.admin, NULL, 200, NULL);
    path_of(path, sizeof path, &x, "/draw");
    call_expect("POST", path, a.token, NULL, 403, "forbidden");
    call_expect("POST", path, y.admin, NULL, 403, "forbidden");
    path_of(path, sizeof path, &x, "/assignment");
    call_expect("GET", path, b.token, NULL, 403, "forbidden");
    call_expect("GET", path, x.admin, NULL, 403, "forbidden"); /* organizers see no pairs */
    call_expect("GET", path, a.token, NULL, 409, "not_drawn");
    path_of(path, sizeof path, &x, "/reminders");
    call_expect("POST", path, a.token, NULL, 403, "forbidden");
    call_expect("POST", path, NULL, NULL, 401, "unauthorized");
}

static void test_participants_paging(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"paging\"}");
    struct person p[5];
    char name[32], email[64];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "P%d", i);
        snprintf(email, sizeof email, "p%d@example.org", i);
        join(&x, name, email, &p[i]);
    }
    char path[256];
    struct e2e_resp r;
    int seen = 0;
    char cursor[64] = "";
    for (int page = 0; page < 4; page++) {
        snprintf(path, sizeof path, "/api/exchanges/%s/participants?limit=2%s%s", x.id,
                 cursor[0] ? "&cursor=" : "", cursor);
        assert_int_equal(call("GET", path, x.admin, NULL, &r), 200);
        json_t *list = json_object_get(r.json, "participants");
        for (size_t i = 0; i < json_array_size(list); i++) {
            json_t *it = json_array_get(list, i);
            assert_string_equal(e2e_str(it, "id"), p[seen].id); /* join order */
            assert_non_null(json_object_get(it, "email"));
            assert_null(json_object_get(it, "token"));
            seen++;
        }
        json_t *next = json_object_get(r.json, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", json_is_string(next) ? json_string_value(next) : "");
        e2e_resp_free(&r);
        if (!cursor[0])
            break;
    }
    assert_int_equal(seen, 5);
    snprintf(path, sizeof path, "/api/exchanges/%s/participants?limit=0", x.id);
    call_expect("GET", path, x.admin, NULL, 400, "validation_failed");
    snprintf(path, sizeof path, "/api/exchanges/%s/participants?limit=1001", x.id);
    call_expect("GET", path, x.admin, NULL, 400, "validation_failed");
    snprintf(path, sizeof path, "/api/exchanges/%s/participants?cursor=zzz", x.id);
    call_expect("GET", path, x.admin, NULL, 400, "validation_failed");
}

static void test_wishlist_and_delete(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"wishes\"}");
    struct person a, b;
    join(&x, "A", "a@example.org", &a);
    join(&x, "B", "b@example.org", &b);
    char path[256];
    snprintf(path, sizeof path, "/api/exchanges/%s/participants/%s/wishlist", x.id, a.id);
    const char *wish = "{\"wishlist\":\"socks, \\\"warm\\\"\\n=SUM(A1) \xf0\x9f\xa7\xa6 <b>\"}";
    struct e2e_resp r;
    assert_int_equal(call("PUT", path, a.token, wish, &r), 200);
    assert_string_equal(e2e_str(r.json, "wishlist"),
                        "socks, \"warm\"\n=SUM(A1) \xf0\x9f\xa7\xa6 <b>");
    e2e_resp_free(&r);
    call_expect("PUT", path, b.token, wish, 403, "forbidden");
    call_expect("PUT", path, x.admin, "{\"wishlist\":\"books\"}", 200, NULL);
    call_expect("PUT", path, a.token, "{\"wishlist\":5}", 400, "validation_failed");
    snprintf(path, sizeof path, "/api/exchanges/%s/participants/AAAAAAAAAAAAAAAAAAAAAA/wishlist",
             x.id);
    call_expect("PUT", path, x.admin, "{\"wishlist\":\"x\"}", 404, "not_found");

    snprintf(path, sizeof path, "/api/exchanges/%s/participants/%s", x.id, b.id);
    call_expect("DELETE", path, a.token, NULL, 403, "forbidden");
    call_expect("DELETE", path, x.admin, NULL, 204, NULL);
    call_expect("DELETE", path, x.admin, NULL, 404, "not_found");
    /* a removed participant's token stops working at once */
    snprintf(path, sizeof path, "/api/exchanges/%s/assignment", x.id);
    call_expect("GET", path, b.token, NULL, 401, "unauthorized");
}

/* Joins n people and returns them. */
static void join_n(const struct exchange *x, int n, struct person *p, const char *tag)
{
    char name[32], email[64];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s%d", tag, i);
        snprintf(email, sizeof email, "%s%d@example.org", tag, i);
        join(x, name, email, &p[i]);
    }
}

static void exclude(const struct exchange *x, const char *giver, const char *receiver, bool mutual)
{
    char path[128], body[256];
    path_of(path, sizeof path, x, "/exclusions");
    snprintf(body, sizeof body, "{\"giver\":\"%s\",\"receiver\":\"%s\",\"mutual\":%s}", giver,
             receiver, mutual ? "true" : "false");
    call_expect("POST", path, x->admin, body, 201, NULL);
}

static void test_draw_lifecycle(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"draw\",\"no_mutual\":true}");
    struct person p[6];
    join_n(&x, 2, p, "d");
    char draw[128], assign[128], excl[128], body[256];
    path_of(draw, sizeof draw, &x, "/draw");
    path_of(assign, sizeof assign, &x, "/assignment");
    path_of(excl, sizeof excl, &x, "/exclusions");
    call_expect("POST", draw, x.admin, NULL, 422, "too_few_participants");
    join_n(&x, 6, p, "e"); /* 8 people now; p holds the last six */

    snprintf(body, sizeof body, "{\"giver\":\"%s\",\"receiver\":\"%s\"}", p[0].id, p[0].id);
    call_expect("POST", excl, x.admin, body, 400, "validation_failed");
    snprintf(body, sizeof body, "{\"giver\":\"%s\",\"receiver\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
             p[0].id);
    call_expect("POST", excl, x.admin, body, 404, "not_found");
    call_expect("POST", excl, p[1].token, body, 403, "forbidden");
    exclude(&x, p[0].id, p[1].id, true);

    struct e2e_resp r;
    assert_int_equal(call("POST", draw, x.admin, NULL, &r), 200);
    assert_string_equal(e2e_str(r.json, "status"), "drawn");
    e2e_resp_free(&r);
    call_expect("POST", draw, x.admin, NULL, 409, "already_drawn");

    char recipients[6][64];
    for (int i = 0; i < 6; i++) {
        assert_int_equal(call("GET", assign, p[i].token, NULL, &r), 200);
        json_t *giver = json_object_get(r.json, "giver"),
               *to = json_object_get(r.json, "recipient");
        assert_string_equal(e2e_str(giver, "id"), p[i].id);
        assert_string_not_equal(e2e_str(to, "id"), p[i].id);
        assert_non_null(json_object_get(to, "wishlist"));
        snprintf(recipients[i], sizeof recipients[i], "%s", e2e_str(to, "id"));
        e2e_resp_free(&r);
    }
    assert_string_not_equal(recipients[0], p[1].id); /* the exclusion held */
    assert_string_not_equal(recipients[1], p[0].id); /* both ways */
    for (int i = 0; i < 6; i++)
        for (int j = i + 1; j < 6; j++)
            assert_string_not_equal(recipients[i], recipients[j]);

    /* after the draw: no joins, no removals, no exclusions */
    char jpath[192];
    path_of(jpath, sizeof jpath, &x, "/participants");
    snprintf(body, sizeof body,
             "{\"invite_code\":\"%s\",\"name\":\"Late\",\"email\":\"late@example.org\"}", x.invite);
    call_expect("POST", jpath, NULL, body, 409, "already_drawn");
    snprintf(jpath, sizeof jpath, "/api/exchanges/%s/participants/%s", x.id, p[2].id);
    call_expect("DELETE", jpath, x.admin, NULL, 409, "already_drawn");
    snprintf(body, sizeof body, "{\"giver\":\"%s\",\"receiver\":\"%s\"}", p[2].id, p[3].id);
    call_expect("POST", excl, x.admin, body, 409, "already_drawn");

    char rem[128];
    path_of(rem, sizeof rem, &x, "/reminders");
    assert_int_equal(call("POST", rem, x.admin, NULL, &r), 202);
    assert_int_equal(json_integer_value(json_object_get(r.json, "queued")), 8);
    e2e_resp_free(&r);

    assert_int_equal(call("DELETE", draw, x.admin, NULL, &r), 200);
    assert_string_equal(e2e_str(r.json, "status"), "open");
    e2e_resp_free(&r);
    call_expect("GET", assign, p[0].token, NULL, 409, "not_drawn");
    call_expect("POST", draw, x.admin, NULL, 200, NULL); /* and again */
}

static void test_draw_infeasible(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"impossible\"}");
    struct person p[3];
    join_n(&x, 3, p, "i");
    exclude(&x, p[0].id, p[1].id, false);
    exclude(&x, p[0].id, p[2].id, false);
    char draw[128], view[128];
    path_of(draw, sizeof draw, &x, "/draw");
    struct e2e_resp r;
    call("POST", draw, x.admin, NULL, &r);
    expect_problem(&r, 422, "draw_infeasible");
    if (strstr(e2e_str(r.json, "detail"), "i0") == NULL)
        fail_msg("detail should name i0: %s", e2e_str(r.json, "detail"));
    e2e_resp_free(&r);
    path_of(view, sizeof view, &x, "");
    call("GET", view, NULL, NULL, &r);
    assert_string_equal(e2e_str(r.json, "status"), "open");
    e2e_resp_free(&r);
}

struct join_job {
    const struct exchange *x;
    int thread, count, ok;
};

static void *join_worker(void *arg)
{
    struct join_job *job = arg;
    char path[128], body[256];
    snprintf(path, sizeof path, "/api/exchanges/%s/participants", job->x->id);
    for (int i = 0; i < job->count; i++) {
        snprintf(body, sizeof body,
                 "{\"invite_code\":\"%s\",\"name\":\"T%d-%d\",\"email\":\"t%d-%d@example.org\"}",
                 job->x->invite, job->thread, i, job->thread, i);
        struct e2e_resp r;
        if (e2e_request(&server, "POST", path, NULL, body, strlen(body), NULL, &r) == 0 &&
            r.status == 201)
            job->ok++;
        e2e_resp_free(&r);
    }
    return NULL;
}

static void test_concurrent_joins(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"crowd\"}");
    enum { THREADS = 8, EACH = 25 };
    pthread_t t[THREADS];
    struct join_job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct join_job){&x, i, EACH, 0};
        pthread_create(&t[i], NULL, join_worker, &jobs[i]);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += jobs[i].ok;
    }
    assert_int_equal(ok, THREADS * EACH);
    char view[128];
    path_of(view, sizeof view, &x, "");
    struct e2e_resp r;
    call("GET", view, NULL, NULL, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "participant_count")),
                     THREADS * EACH);
    e2e_resp_free(&r);
}

struct draw_job {
    const struct exchange *x;
    long status;
};

static void *draw_worker(void *arg)
{
    struct draw_job *job = arg;
    char path[128];
    path_of(path, sizeof path, job->x, "/draw");
    struct e2e_resp r;
    if (e2e_request(&server, "POST", path, job->x->admin, NULL, 0, NULL, &r) == 0)
        job->status = r.status;
    e2e_resp_free(&r);
    return NULL;
}

static void test_concurrent_draws(void **state)
{
    (void)state;
    struct exchange x;
    create(&x, "{\"name\":\"race\"}");
    struct person p[12];
    join_n(&x, 12, p, "r");
    enum { THREADS = 8 };
    pthread_t t[THREADS];
    struct draw_job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct draw_job){&x, 0};
        pthread_create(&t[i], NULL, draw_worker, &jobs[i]);
    }
    int won = 0, lost = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        won += jobs[i].status == 200;
        lost += jobs[i].status == 409;
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, THREADS - 1);
}

/* kill -9 while joins stream in; every acknowledged join must survive.
 *
 * The stream runs until the main thread says stop: before the kill, while
 * the server is dead (connections refused), and after the restart, so the
 * crash lands in the middle of the load whatever the machine's speed. Each
 * worker is bounded by STREAM_CAP requests and each wait of the main thread
 * by STREAM_PHASE_MAX_MS; a phase not reached in time fails the test and
 * says which. */
#define STREAM_CAP 4000
#define STREAM_PHASE_MAX_MS 30000L

enum kill_phase { K_BEFORE, K_DOWN, K_AFTER, K_STOP, K_PHASES = K_STOP };

struct stream_ctl {
    _Atomic int phase;
    atomic_int in_flight;             /* requests sent and not yet answered */
    atomic_int acked[K_PHASES];       /* 201s of requests started in that phase */
    atomic_int refused[K_PHASES];     /* no HTTP answer, request started in that phase */
};

struct stream_job {
    const struct exchange *x;
    struct stream_ctl *ctl;
    int thread;
    char (*acked)[64];
    atomic_int nacked; /* the main thread watches it while the worker runs */
    int cap;
    int sent;
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void *stream_worker(void *arg)
{
    struct stream_job *job = arg;
    struct stream_ctl *ctl = job->ctl;
    char path[128], body[256];
    snprintf(path, sizeof path, "/api/exchanges/%s/participants", job->x->id);
    for (int i = 0; i < job->cap; i++) {
        int phase = atomic_load(&ctl->phase);
        if (phase == K_STOP)
            break;
        snprintf(body, sizeof body,
                 "{\"invite_code\":\"%s\",\"name\":\"K%d-%d\",\"email\":\"k%d-%d@example.org\"}",
                 job->x->invite, job->thread, i, job->thread, i);
        struct e2e_resp r;
        atomic_fetch_add(&ctl->in_flight, 1);
        int rc = e2e_request(&server, "POST", path, NULL, body, strlen(body), NULL, &r);
        atomic_fetch_sub(&ctl->in_flight, 1);
        job->sent++;
        if (rc == 0 && r.status == 201) {
            int n = atomic_load(&job->nacked);
            snprintf(job->acked[n], 64, "%s", e2e_str(r.json, "id"));
            atomic_store(&job->nacked, n + 1);
            atomic_fetch_add(&ctl->acked[phase], 1);
        } else if (rc != 0) {
            atomic_fetch_add(&ctl->refused[phase], 1);
        }
        e2e_resp_free(&r);
        if (rc != 0)
            testproc_sleep_ms(20); /* the server is gone: knock again soon, not in a spin */
    }
    return NULL;
}

/* Waits until counter >= want; false (with a message) after the bound. */
static bool wait_count(atomic_int *counter, int want, const char *what)
{
    long start = now_ms();
    while (now_ms() - start < STREAM_PHASE_MAX_MS) {
        if (atomic_load(counter) >= want)
            return true;
        testproc_sleep_ms(5);
    }
    print_message("kill -9 stream: %s: %d after %ld ms (wanted %d)\n", what, atomic_load(counter),
                  STREAM_PHASE_MAX_MS, want);
    return false;
}

/* Counts the acknowledged ids that the organizer's list shows after the
 * restart, and names each one it does not (with its place in the worker's
 * stream: the last few before the kill are the interesting ones). */
static int count_listed(const struct exchange *x, char (*acked)[64], int n)
{
    bool *seen = calloc((size_t)n + 1, sizeof *seen);
    assert_non_null(seen);
    char path[256], cursor[64] = "";
    int found = 0;
    for (;;) {
        snprintf(path, sizeof path, "/api/exchanges/%s/participants?limit=1000%s%s", x->id,
                 cursor[0] ? "&cursor=" : "", cursor);
        struct e2e_resp r;
        if (call("GET", path, x->admin, NULL, &r) != 200)
            fail_msg("list after restart: %ld %s", r.status, r.body);
        json_t *list = json_object_get(r.json, "participants");
        for (size_t i = 0; i < json_array_size(list); i++) {
            const char *id = e2e_str(json_array_get(list, i), "id");
            for (int k = 0; k < n; k++)
                if (!seen[k] && strcmp(acked[k], id) == 0) {
                    seen[k] = true;
                    found++;
                    break;
                }
        }
        json_t *next = json_object_get(r.json, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", json_is_string(next) ? json_string_value(next) : "");
        e2e_resp_free(&r);
        if (!cursor[0])
            break;
    }
    for (int k = 0; k < n; k++)
        if (!seen[k])
            print_message("acknowledged join %d of %d (id %s) is missing after restart\n", k + 1,
                          n, acked[k]);
    free(seen);
    return found;
}

static void test_kill9_loses_no_acknowledged_join(void **state)
{
    (void)state;
    if (!e2e_can_control(&server))
        skip(); /* an external server without SANTA_E2E_CONTROL */
    struct exchange x;
    create(&x, "{\"name\":\"crash\"}");
    enum { THREADS = 4 };
    pthread_t t[THREADS];
    struct stream_job jobs[THREADS];
    struct stream_ctl ctl;
    memset(&ctl, 0, sizeof ctl);
    atomic_init(&ctl.phase, K_BEFORE);
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct stream_job){.x = &x, .ctl = &ctl, .thread = i, .cap = STREAM_CAP};
        jobs[i].acked = calloc(STREAM_CAP, 64);
        assert_non_null(jobs[i].acked);
        atomic_init(&jobs[i].nacked, 0);
        pthread_create(&t[i], NULL, stream_worker, &jobs[i]);
    }
    /* A few hundred joins through, then pull the plug while requests are in
     * flight (the workers send back to back; wait until all of them are
     * inside a request, bounded). */
    bool before = wait_count(&ctl.acked[K_BEFORE], 200, "joins before the kill");
    long spin = now_ms();
    while (atomic_load(&ctl.in_flight) < THREADS && now_ms() - spin < 2000)
        ;
    int in_flight = atomic_load(&ctl.in_flight);
    atomic_store(&ctl.phase, K_DOWN);
    assert_int_equal(e2e_stop(&server, SIGKILL), 128 + SIGKILL);
    /* The load goes on against the dead server (every thread is refused at
     * least once), then the server comes back with the same data ... */
    bool down = before && wait_count(&ctl.refused[K_DOWN], THREADS, "refusals while down");
    int restarted = e2e_restart(&server);
    atomic_store(&ctl.phase, K_AFTER);
    /* ... and joins are acknowledged again. */
    bool after = down && restarted == 0 && wait_count(&ctl.acked[K_AFTER], 50, "joins after");
    atomic_store(&ctl.phase, K_STOP);
    int total = 0, sent = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        total += atomic_load(&jobs[i].nacked);
        sent += jobs[i].sent;
    }
    /* Requests that were sent before the kill and never answered: the
     * crash cut them off in the middle of the stream. */
    int cut = atomic_load(&ctl.refused[K_BEFORE]);
    print_message("kill -9 with %d requests in flight: %d acknowledged before, %d cut off, "
                  "%d refused while down, %d acknowledged as it came back, %d after the restart "
                  "(%d sent)\n",
                  in_flight, atomic_load(&ctl.acked[K_BEFORE]), cut,
                  atomic_load(&ctl.refused[K_DOWN]), atomic_load(&ctl.acked[K_DOWN]),
                  atomic_load(&ctl.acked[K_AFTER]), sent);
    assert_true(before);
    assert_true(down);
    assert_int_equal(restarted, 0);
    assert_true(after);
    assert_true(in_flight >= 1);
    /* The requests in flight when the phase turned either were cut off by
     * the kill or were answered in the instant between the turn and the
     * SIGKILL's delivery (counted as acknowledged while down): a CI run
     * under load saw all 4 answered in that instant. Either way the kill
     * landed among them. A server in a container is killed by its engine
     * (SANTA_E2E_CONTROL), a fraction of a second later, and they may all
     * finish long before; there every thread refused while it was down
     * (asserted above) is the proof the load ran into the crash. */
    if (!server.external)
        assert_true(cut + atomic_load(&ctl.acked[K_DOWN]) >= 1);
    for (int i = 0; i < THREADS; i++)
        assert_true(jobs[i].sent < STREAM_CAP); /* stopped by the main thread, not the cap */
    int found = 0;
    for (int i = 0; i < THREADS; i++) {
        found += count_listed(&x, jobs[i].acked, atomic_load(&jobs[i].nacked));
        free(jobs[i].acked);
    }
    print_message("kill -9: %d acknowledged joins, %d found after restart\n", total, found);
    assert_int_equal(found, total);
}

static void test_sigterm_is_clean(void **state)
{
    (void)state;
    if (!e2e_can_control(&server))
        skip();
    assert_int_equal(e2e_stop(&server, SIGTERM), 0);
    assert_int_equal(e2e_restart(&server), 0); /* and the data opens again */
}

static int setup(void **state)
{
    (void)state;
    return e2e_start(&server, binary);
}

static int teardown(void **state)
{
    (void)state;
    e2e_cleanup(&server);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s STAGE_BINARY\n", argv[0]);
        return 2;
    }
    binary = argv[1];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_headers),
        cmocka_unit_test(test_create_and_view),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_join_rules),
        cmocka_unit_test(test_auth_boundaries),
        cmocka_unit_test(test_participants_paging),
        cmocka_unit_test(test_wishlist_and_delete),
        cmocka_unit_test(test_draw_lifecycle),
        cmocka_unit_test(test_draw_infeasible),
        cmocka_unit_test(test_concurrent_joins),
        cmocka_unit_test(test_concurrent_draws),
        cmocka_unit_test(test_kill9_loses_no_acknowledged_join),
        cmocka_unit_test(test_sigterm_is_clean),
    };
    const char *slash = strrchr(binary, '/');
    int failed = cmocka_run_group_tests_name(slash ? slash + 1 : binary, tests, setup, teardown);
    curl_global_cleanup();
    return failed;
}
