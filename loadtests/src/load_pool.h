/*
 * load_pool.h - the data a run works on, created through the API before it.
 *
 * The set-up phase creates seed_exchanges exchanges and seed_participants
 * participants spread evenly over them, then draws the first half of the
 * exchanges: reveals need drawn exchanges, joins need open ones. Virtual users
 * pick their targets from the pool at random. The pool is written by the
 * set-up phase only and read-only while the workers run.
 */
#ifndef SANTA_LOAD_POOL_H
#define SANTA_LOAD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_ID_MAX 64
#define LOAD_TOKEN_MAX 96

struct load_config;

struct load_pool_ex {
    char id[LOAD_ID_MAX];
    char admin[LOAD_TOKEN_MAX];
    char invite[LOAD_TOKEN_MAX];
    bool drawn;
};

struct load_pool_part {
    uint32_t ex;
    char id[LOAD_ID_MAX];
    char token[LOAD_TOKEN_MAX];
};

struct load_pool {
    struct load_pool_ex *ex;
    uint32_t nex;
    struct load_pool_part *parts;
    uint32_t nparts;
    uint32_t *open;        /* indexes of open exchanges */
    uint32_t nopen;
    uint32_t *drawn_parts; /* indexes of participants of drawn exchanges */
    uint32_t ndrawn_parts;
};

/* Seeds through the API with `workers` blocking connections, printing progress
   to stderr unless quiet. Returns 0, or -1 with a message in err. */
int load_pool_seed(struct load_pool *p, const struct load_config *cfg, unsigned exchanges,
                   unsigned participants, unsigned workers, bool quiet, char *err, size_t errn);
void load_pool_release(struct load_pool *p);

#endif /* SANTA_LOAD_POOL_H */
