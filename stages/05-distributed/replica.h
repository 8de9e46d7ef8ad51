/*
 * replica.h - what makes stage 04's service fit to run as one of N
 * replicas behind a load balancer (HAProxy, deploy/haproxy/santa.cfg):
 *
 *   - its name on every answer (X-Served-By), so a client, a test or the
 *     workshop can see which replica served a request;
 *   - a drain state: on SIGTERM, or POST /admin/drain on the admin listener,
 *     GET /healthz answers 404 (HAProxy's `http-check disable-on-404` then
 *     sends it nothing new), the replica waits --drain-grace-ms for the
 *     balancer to notice, finishes what is in flight, closes its stores and
 *     exits 0;
 *   - an admin listener of its own (--admin-listen, loopback), the only
 *     place the admin routes are served: the public port never has them.
 *
 * /healthz is liveness only: it never asks PostgreSQL, so when the shared
 * database is down every replica stays in the balancer and answers
 * `503 unavailable` quickly instead of HAProxy removing all of them at once.
 *
 * All of it comes through libsanta's stage hooks (santa/stage.h); nothing
 * here is known to the core.
 */
#ifndef SANTA_REPLICA_H
#define SANTA_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/api.h"
#include "santa/config.h"

struct replica_config {
    char name[SANTA_CONFIG_STR];   /* "" : the --listen address */
    struct santa_addr admin;       /* the admin listener */
    uint32_t drain_grace_ms;       /* how long /healthz says 404 before closing */
};

/* --replica-name, --admin-listen, --drain-grace-ms (ends with {NULL}). */
extern const struct santa_option replica_options[];

/* The running replica: its options, name, drain state, admin listener. */
struct replica;

/* Zeroed state for one replica reading c (borrowed). */
struct replica *replica_new(const struct replica_config *c);
void replica_free(struct replica *r);

/* The stage hooks (santa/stage.h), each taking the struct replica. */
int replica_start(struct replica *r, const struct santa_config *cfg, char *err, size_t errlen);
const char *replica_headers(struct replica *r);
bool replica_answer(struct replica *r, const struct santa_request *req,
                    struct santa_response *resp);
void replica_drain(struct replica *r);
void replica_stop(struct replica *r);

/* Admin routes (replica_admin.c), answered on the admin listener only. */
void replica_admin_handle(void *ctx, const struct santa_request *req,
                          struct santa_response *resp);
/* Marks the replica draining; true the first time (the caller then asks
 * for the stop). */
bool replica_begin_drain(struct replica *r);
bool replica_draining(const struct replica *r);
const char *replica_name(const struct replica *r);

#endif /* SANTA_REPLICA_H */
