/*
 * store_csv_internal.h - what the files of the CSV store share: the store
 * struct, the lookups every operation is built from, and the draw.
 *
 * Locking: nothing here takes the store's lock; every function expects the
 * caller (an operation in store_csv.c) to hold it — shared for lookups,
 * exclusive for csv_store_set_drawn() and csv_store_draw_locked().
 * Errors: SANTA_UNAVAILABLE for I/O failures, corrupt rows and exhausted
 * arenas, with the cause logged; SANTA_NOT_FOUND where stated.
 */
#ifndef SANTA_STORE_CSV_INTERNAL_H
#define SANTA_STORE_CSV_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "csv_table.h"
#include "santa/arena.h"
#include "santa/draw_plan.h"
#include "santa/model.h"
#include "santa/store.h"

/* Scratch memory of one operation (an exchange row, a few names): bounded so
 * a corrupt file cannot make one call eat the heap. */
#define STORE_SCRATCH_LIMIT (16u << 20)

enum { T_EXCHANGES, T_PARTICIPANTS, T_EXCLUSIONS, T_ASSIGNMENTS, T_OUTBOX, T_COUNT };

struct csv_store {
    struct santa_store base;
    pthread_rwlock_t lock;
    int dirfd;
    int lockfd;
    uint64_t next_seq; /* next participant seq; write lock only */
    struct csv_table t[T_COUNT];
};

/* Logs a row that does not decode and tells the scan to fail. */
enum csv_visit csv_store_corrupt_row(const char *table);

/* The exchange with this id, its text copied into a: OK or NOT_FOUND.
 * draw_gen may be NULL. */
enum santa_status csv_store_find_exchange(struct csv_store *cs, const char *id,
                                          struct santa_arena *a, struct santa_exchange *out,
                                          uint64_t *draw_gen);

/* Rewrites exchanges.csv with this exchange's drawn flag and draw_gen. */
enum santa_status csv_store_set_drawn(struct csv_store *cs, const char *id, bool drawn,
                                      uint64_t draw_gen);

/* Calls fn for each participant of one exchange, in join order (file order:
 * appends come in seq order and rewrites keep the order). The participant's
 * text lives only during the call. */
typedef enum csv_visit (*csv_store_participant_fn)(void *ctx, const struct santa_participant *p);
enum santa_status csv_store_scan_participants(struct csv_store *cs, const char *exchange_id,
                                              csv_store_participant_fn fn, void *ctx);

/* A csv_store_participant_fn that counts into a uint32_t. */
enum csv_visit csv_store_count_participant(void *ctx, const struct santa_participant *p);

/* A csv_store_participant_fn finding up to two participants by id (an id of
 * NULL is not looked for), copying them into a. */
struct csv_store_find_two {
    const char *id[2];
    struct santa_arena *a;
    struct santa_participant out[2];
    bool found[2];
};
enum csv_visit csv_store_find_two_visit(void *ctx, const struct santa_participant *p);

/* The whole draw of one exchange, under the write lock: NOT_FOUND,
 * ALREADY_DRAWN, the solver's verdict, or OK once committed. */
enum santa_status csv_store_draw_locked(struct csv_store *cs, const char *exchange_id,
                                        struct santa_draw_plan *plan, struct santa_arena *scratch);

static inline struct csv_store *csv_store_of(struct santa_store *s)
{
    return (struct csv_store *)s;
}

/* The store's lock: shared for reads, exclusive for anything that writes,
 * so each check-then-write is atomic. */
static inline void csv_store_rdlock(struct csv_store *cs)
{
    pthread_rwlock_rdlock(&cs->lock);
}

static inline void csv_store_wrlock(struct csv_store *cs)
{
    pthread_rwlock_wrlock(&cs->lock);
}

static inline void csv_store_unlock(struct csv_store *cs)
{
    pthread_rwlock_unlock(&cs->lock);
}

/* ---- the operations, by group (see struct santa_store_ops) -------------- */

/* csv_store_exchange_create, _exchange_get, _principal_find in store_csv_exchange.c;
 * _participant_add to _exclusion_add in store_csv_participant.c; _draw,
 * _undraw, _assignment_get, _reminders_queue in store_csv_draw.c. */
SANTA_STORE_OPS_DECLARE(csv_store)

#endif /* SANTA_STORE_CSV_INTERNAL_H */
