/*
 * santa-worker-04-cache - sends the reminders stage 04 queued in the Redis
 * stream santa:reminders, as one consumer of the group "senders"
 * (queue_redis.h). Run several: each reads its own entries, and takes over
 * a dead one's after the lease (XAUTOCLAIM). Stage 05 runs the same.
 *
 * POST .../reminders queues one batch entry per request; the worker that
 * reads it lists the exchange's participants from PostgreSQL (--pg, the
 * server's own store, stage 03's code) and turns it into one entry per mail
 * (queue_redis.h). Each worker thread opens its own store: one connection.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_url.h"
#include "queue_redis.h"
#include "store_postgres.h"
#include "santa/worker.h"

/* This back end's options (config.h rows), owned by main(). */
struct redis_worker_options {
    char addr[SANTA_CONFIG_STR];
    uint32_t timeout_ms;
    char conninfo[SANTA_CONFIG_STR];
};

static const struct santa_option redis_opts[] = {
    {"redis", "SANTA_REDIS", SANTA_OPT_STRING, "127.0.0.1:6379", 0, 0, 0,
     offsetof(struct redis_worker_options, addr), "[:PASSWORD@]HOST:PORT",
     "the Redis holding the reminder stream (a password through SANTA_REDIS)"},
    {"redis-timeout-ms", "SANTA_REDIS_TIMEOUT_MS", SANTA_OPT_UINT, "1000", 1, 60000, 0,
     offsetof(struct redis_worker_options, timeout_ms), "MS", "Redis connect and command timeout"},
    {"pg", "SANTA_PG", SANTA_OPT_OPTIONAL, "", 0, 0, 0,
     offsetof(struct redis_worker_options, conninfo), "CONNINFO",
     "the PostgreSQL a batch's participants are read from (libpq conninfo or URI; empty: PGHOST, "
     "PGPORT, ...)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

static enum santa_status queue_open(const struct santa_worker_config *cfg,
                                    struct santa_queue **out, char *err, size_t errlen)
{
    /* The same forms as the server's --redis (cache_url.h): the password may
     * ride in the address, given through SANTA_REDIS. */
    const struct redis_worker_options *ro = cfg->backend;
    struct cache_url u;
    if (!cache_url_parse(ro->addr, &u, err, errlen))
        return SANTA_VALIDATION_FAILED;
    struct postgres_store_options so = {.conninfo = ro->conninfo};
    struct santa_store *store = NULL;
    enum santa_status st = postgres_store_open(&so, &store, err, errlen);
    if (st != SANTA_OK)
        return st;
    struct redis_queue_options o = {u.host, u.port, u.password, ro->timeout_ms, cfg, store};
    return redis_queue_open(&o, out, err, errlen); /* owns store from here on */
}

int main(int argc, char **argv)
{
    struct redis_worker_options o = {{0}, 0, {0}};
    return santa_worker_main(argc, argv, "santa-worker-04-cache", redis_opts, &o, queue_open);
}
