/*
 * replica.c - a replica's name, drain state and admin listener (replica.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "replica.h"
#include "santa/alloc.h"
#include "santa/http.h"
#include "santa/log.h"

const struct santa_option replica_options[] = {
    {"replica-name", "SANTA_REPLICA_NAME", SANTA_OPT_OPTIONAL, "", 0, 0, 0,
     offsetof(struct replica_config, name), "NAME",
     "this replica's name in X-Served-By (letters, digits, . _ : -); empty: the --listen address"},
    {"admin-listen", "SANTA_ADMIN_LISTEN", SANTA_OPT_ADDR, "127.0.0.1:9180", 0, 0, 0,
     offsetof(struct replica_config, admin), "HOST:PORT",
     "the admin listener (POST /admin/drain, GET /admin/status); keep it on loopback"},
    {"drain-grace-ms", "SANTA_DRAIN_GRACE_MS", SANTA_OPT_UINT, "2500", 0, 60000, 0,
     offsetof(struct replica_config, drain_grace_ms), "MS",
     "after SIGTERM or /admin/drain, how long /healthz answers 404 before the listener "
     "closes: more than the balancer's check interval + check timeout"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

struct replica {
    const struct replica_config *c;
    char name[64];
    char headers[96];           /* "X-Served-By: NAME\r\n" */
    atomic_bool draining;
    struct santa_http *admin;
};

struct replica *replica_new(const struct replica_config *c)
{
    struct replica *r = santa_calloc(1, sizeof *r);
    if (r)
        r->c = c;
    return r;
}

void replica_free(struct replica *r)
{
    santa_free(r);
}

/* A header value we never have to escape: 1 to 63 of [A-Za-z0-9._:-]. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n < 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

int replica_start(struct replica *r, const struct santa_config *cfg, char *err, size_t errlen)
{
    char name[SANTA_CONFIG_STR + 8];
    if (r->c->name[0])
        snprintf(name, sizeof name, "%s", r->c->name);
    else
        snprintf(name, sizeof name, "%s:%u", cfg->listen_host, (unsigned)cfg->listen_port);
    if (!name_ok(name)) {
        snprintf(err, errlen, "--replica-name '%s': 1 to 63 of letters, digits, . _ : -",
                 r->c->name);
        return -1;
    }
    memcpy(r->name, name, strlen(name) + 1); /* name_ok: fits */
    snprintf(r->headers, sizeof r->headers, "X-Served-By: %s\r\n", r->name);
    struct santa_http_options admin = {
        .host = r->c->admin.host,
        .port = r->c->admin.port,
        .threads = 2, /* a drain, a status, a probe: never a crowd */
        .request_timeout_ms = cfg->request_timeout_ms,
        .handler = replica_admin_handle,
        .ctx = r,
        .extra_headers = r->headers,
    };
    char why[200] = "";
    r->admin = santa_http_start(&admin, why, sizeof why);
    if (r->admin == NULL) {
        snprintf(err, errlen, "admin listener %s:%u: %s", admin.host, (unsigned)admin.port, why);
        return -1;
    }
    santa_log(SANTA_LOG_INFO, "%s: replica %s, admin on http://%s:%u/admin/", cfg->program,
              r->name, admin.host, (unsigned)admin.port);
    return 0;
}

const char *replica_headers(struct replica *r)
{
    return r->headers;
}

const char *replica_name(const struct replica *r)
{
    return r->name;
}

bool replica_begin_drain(struct replica *r)
{
    bool was = false;
    return atomic_compare_exchange_strong(&r->draining, &was, true);
}

bool replica_draining(const struct replica *r)
{
    return atomic_load(&r->draining);
}

/* While draining, GET /healthz answers 404: HAProxy's `http-check
 * disable-on-404` takes the server out of the rotation without calling it
 * down. Every other request is served as usual (in flight, or a straggler). */
bool replica_answer(struct replica *r, const struct santa_request *req,
                    struct santa_response *resp)
{
    if (!replica_draining(r) || strcmp(req->method, "GET") != 0 ||
        strcmp(req->path, "/healthz") != 0)
        return false;
    santa_api_problem(resp, SANTA_NOT_FOUND, "this replica is draining: it takes no new work");
    return true;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void replica_drain(struct replica *r)
{
    replica_begin_drain(r); /* SIGTERM: the admin route may not have been used */
    santa_log(SANTA_LOG_INFO, "replica %s: draining: /healthz answers 404 for %u ms, then the "
              "listener closes and in-flight requests finish", r->name, r->c->drain_grace_ms);
    sleep_ms(r->c->drain_grace_ms);
}

void replica_stop(struct replica *r)
{
    santa_http_stop(r->admin); /* after the last API request: status stays readable */
    r->admin = NULL;
    santa_log(SANTA_LOG_INFO, "replica %s: drained, closing the stores", r->name);
}
