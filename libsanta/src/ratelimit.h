/*
 * ratelimit.h - a token bucket per client address, for writes.
 *
 * Each address may spend `per_minute` tokens in a burst and gets them back
 * at per_minute a minute. Buckets live in a fixed table (4,096 of them,
 * sixteen locked shards): memory never grows with the number of clients.
 * When the table is full the least recently used bucket of the probed
 * neighbourhood is recycled, so a flood of addresses can only make the limit
 * more lenient for someone, never refuse a client that is under it.
 *
 * Loopback addresses (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) are exempt
 * unless limit_loopback is set: local load tests and a local proxy are not
 * throttled. Lifetime: santa_ratelimit_new() before the workers start,
 * santa_ratelimit_take() from any thread, santa_ratelimit_free() after they
 * stopped.
 */
#ifndef SANTA_RATELIMIT_H
#define SANTA_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct santa_ratelimit;

/* NULL when per_minute is 0 (no limit) or out of memory; take() accepts NULL. */
struct santa_ratelimit *santa_ratelimit_new(uint32_t per_minute, bool limit_loopback);
void santa_ratelimit_free(struct santa_ratelimit *rl);

/* Spends one token of addr's bucket (addr as text, IPv4 or IPv6). Returns 0
 * when the request may go on, else the whole seconds until a token is back
 * (at least 1: the Retry-After value). now_ns is a monotonic clock, passed in
 * so tests can drive time. An address that does not parse shares one bucket. */
uint32_t santa_ratelimit_take(struct santa_ratelimit *rl, const char *addr, uint64_t now_ns);

#endif /* SANTA_RATELIMIT_H */
