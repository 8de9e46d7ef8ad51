/*
 * cache_redis_reply.c - the replies of stage 04's scripts read into values
 * and tickets (see cache_redis_reply.h).
 */
#include "cache_redis_reply.h"

#include <string.h>

void cache_reply_str(const redisReply *rep, char *out, size_t cap)
{
    out[0] = '\0';
    if (rep->type == REDIS_REPLY_STRING && rep->len < cap) {
        memcpy(out, rep->str, rep->len);
        out[rep->len] = '\0';
    }
}

bool cache_reply_take(const redisReply *e, struct santa_arena *a, char **val, size_t *len)
{
    if (e->type != REDIS_REPLY_STRING)
        return false;
    *val = santa_arena_strndup(a, e->str, e->len);
    *len = e->len;
    return *val != NULL;
}

enum cache_result cache_reply_ref(const redisReply *rep, struct santa_arena *a, char **val,
                                  size_t *len, char **val2, size_t *len2, struct cache_ticket *t)
{
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 4)
        return CACHE_ERROR;
    for (size_t i = 0; i < 4; i++)
        if (rep->element[i]->type != REDIS_REPLY_STRING && rep->element[i]->type != REDIS_REPLY_NIL)
            return CACHE_ERROR;
    if (cache_reply_take(rep->element[0], a, val, len) &&
        cache_reply_take(rep->element[1], a, val2, len2))
        return CACHE_HIT;
    *val = *val2 = NULL;
    *len = *len2 = 0;
    cache_reply_str(rep->element[2], t->gen, sizeof t->gen);
    cache_reply_str(rep->element[3], t->epoch, sizeof t->epoch);
    t->valid = t->epoch[0] != '\0';
    return CACHE_MISS;
}

void cache_reply_reveal(redisReply *const *e, const redisReply *epoch, struct santa_arena *a,
                        struct cache_reveal *rv)
{
    if (e[0]->type != REDIS_REPLY_STRING || e[1]->type != REDIS_REPLY_STRING ||
        e[0]->len >= sizeof rv->exchange_id || e[1]->len >= sizeof rv->participant_id)
        return;
    cache_reply_str(e[0], rv->exchange_id, sizeof rv->exchange_id);
    cache_reply_str(e[1], rv->participant_id, sizeof rv->participant_id);
    if (cache_reply_take(e[2], a, &rv->val, &rv->len) &&
        cache_reply_take(e[3], a, &rv->val2, &rv->len2)) {
        rv->res = CACHE_HIT;
    } else {
        rv->res = CACHE_MISS;
        rv->val = rv->val2 = NULL;
        cache_reply_str(e[4], rv->t.gen, sizeof rv->t.gen);
        cache_reply_str(epoch, rv->t.epoch, sizeof rv->t.epoch);
        rv->t.valid = rv->t.epoch[0] != '\0';
    }
    rv->valid = true;
}

bool cache_reply_invalidated(const redisReply *rep, struct cache_ticket *t)
{
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        rep->element[0]->type != REDIS_REPLY_STRING)
        return false;
    if (t) {
        cache_reply_str(rep->element[0], t->gen, sizeof t->gen);
        cache_reply_str(rep->element[1], t->epoch, sizeof t->epoch);
        t->valid = t->gen[0] != '\0' && t->epoch[0] != '\0';
    }
    return true;
}
