/*
 * cache_redis_reply.h - reading the replies of stage 04's Lua scripts
 * (cache_redis_scripts.h) into values and tickets. Pure functions over a
 * hiredis reply: no connection, no I/O, so cache_redis.c keeps only the
 * talking. Values are copied into the caller's arena; a reply of the wrong
 * shape is CACHE_ERROR (or false), never a half-filled answer.
 */
#ifndef CACHE_REDIS_REPLY_H
#define CACHE_REDIS_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "cache_redis.h"
#include "santa/arena.h"

/* A string reply into out (cap bytes with the NUL); "" for anything else or
 * a string too long for it. */
void cache_reply_str(const redisReply *rep, char *out, size_t cap);
/* A string element copied into the arena: false when it is not a string or
 * the arena is full. */
bool cache_reply_take(const redisReply *e, struct santa_arena *a, char **val, size_t *len);
/* The four elements of the reference lookup: two values (a hit), or the
 * generation and the epoch of a miss as its fill ticket. */
enum cache_result cache_reply_ref(const redisReply *rep, struct santa_arena *a, char **val,
                                  size_t *len, char **val2, size_t *len2, struct cache_ticket *t);
/* The read-ahead part (elements 3 to 7) of the principal script's reply. */
void cache_reply_reveal(redisReply *const *e, const redisReply *epoch, struct santa_arena *a,
                        struct cache_reveal *rv);
/* The invalidation script's reply: the new generation and the epoch, as a
 * ticket when t is not NULL. false for a reply of another shape. */
bool cache_reply_invalidated(const redisReply *rep, struct cache_ticket *t);

#endif /* CACHE_REDIS_REPLY_H */
