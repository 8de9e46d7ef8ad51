/*
 * santa-worker-04-cache - sends the reminders stage 04 queued in the Redis
 * stream santa:reminders, as one consumer of the group "senders"
 * (queue_redis.h). Run several: each reads its own entries, and takes over
 * a dead one's after the lease (XAUTOCLAIM). Stage 05 runs the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue_redis.h"
#include "santa/worker.h"

static char redis_addr[SANTA_OPT_STR];
static uint32_t redis_timeout_ms;

static const struct santa_opt redis_opts[] = {
    {"redis", "SANTA_REDIS", SANTA_OPT_STRING, "127.0.0.1:6379", 0, 0, redis_addr, "HOST:PORT",
     "the Redis holding the reminder stream (an IPv4 address)"},
    {"redis-timeout-ms", "SANTA_REDIS_TIMEOUT_MS", SANTA_OPT_UINT, "1000", 1, 60000,
     &redis_timeout_ms, "MS", "Redis connect and command timeout"},
};

static enum santa_status queue_open(const struct santa_worker_config *cfg,
                                    struct santa_queue **out, char *err, size_t errlen)
{
    char host[64];
    const char *colon = strrchr(redis_addr, ':');
    unsigned long port = colon ? strtoul(colon + 1, NULL, 10) : 0;
    if (!colon || (size_t)(colon - redis_addr) >= sizeof host || port == 0 || port > 65535) {
        snprintf(err, errlen, "--redis must be HOST:PORT, not '%s'", redis_addr);
        return SANTA_VALIDATION_FAILED;
    }
    memcpy(host, redis_addr, (size_t)(colon - redis_addr));
    host[colon - redis_addr] = '\0';
    struct redis_queue_options o = {host, (uint16_t)port, redis_timeout_ms, cfg};
    return redis_queue_open(&o, out, err, errlen);
}

int main(int argc, char **argv)
{
    return santa_worker_main(argc, argv, "santa-worker-04-cache", redis_opts,
                             sizeof redis_opts / sizeof redis_opts[0], queue_open);
}
