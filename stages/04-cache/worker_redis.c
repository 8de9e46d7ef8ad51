/*
 * santa-worker-04-cache - sends the reminders stage 04 queued in the Redis
 * stream santa:reminders, as one consumer of the group "senders"
 * (queue_redis.h). Run several: each reads its own entries, and takes over
 * a dead one's after the lease (XAUTOCLAIM). Stage 05 runs the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_url.h"
#include "queue_redis.h"
#include "santa/worker.h"

static char redis_addr[SANTA_OPT_STR];
static uint32_t redis_timeout_ms;

static const struct santa_opt redis_opts[] = {
    {"redis", "SANTA_REDIS", SANTA_TOOL_STRING, "127.0.0.1:6379", 0, 0, redis_addr,
     "[:PASSWORD@]HOST:PORT",
     "the Redis holding the reminder stream (a password through SANTA_REDIS)"},
    {"redis-timeout-ms", "SANTA_REDIS_TIMEOUT_MS", SANTA_TOOL_UINT, "1000", 1, 60000,
     &redis_timeout_ms, "MS", "Redis connect and command timeout"},
};

static enum santa_status queue_open(const struct santa_worker_config *cfg,
                                    struct santa_queue **out, char *err, size_t errlen)
{
    /* The same forms as the server's --redis (cache_url.h): the password may
     * ride in the address, given through SANTA_REDIS. */
    struct cache_url u;
    if (!cache_url_parse(redis_addr, &u, err, errlen))
        return SANTA_VALIDATION_FAILED;
    struct redis_queue_options o = {u.host, u.port, u.password, redis_timeout_ms, cfg};
    return redis_queue_open(&o, out, err, errlen);
}

int main(int argc, char **argv)
{
    return santa_worker_main(argc, argv, "santa-worker-04-cache", redis_opts,
                             sizeof redis_opts / sizeof redis_opts[0], queue_open);
}
