/*
 * store.h - the store interface: what every stage implements.
 *
 * A store is a const table of operations (struct santa_store_ops) plus an
 * instance whose first member is struct santa_store. A back end embeds the
 * base first in its private struct and casts back in each operation, the way
 * SQLite's sqlite3_io_methods / sqlite3_file work:
 *
 *     struct csv_store { struct santa_store base; ... };
 *
 * Contract shared by every operation:
 *  - Each write is atomic: it happens completely or not at all, including
 *    across a crash of the process (kill -9) once SANTA_OK was returned.
 *  - Thread safety: every operation may be called concurrently from many
 *    threads (CivetWeb runs one worker thread per connection). A back end
 *    that keeps per-thread connections opens them lazily and releases them in
 *    thread_stop(), which the server calls as each worker thread exits.
 *  - Errors come back as enum santa_status. Native errors are translated at
 *    the boundary: anything that means "the store cannot answer now" (I/O
 *    error, disk full, lock timeout, lost connection) is SANTA_UNAVAILABLE,
 *    and a human-readable cause goes to the store's log, never to the client.
 *  - Output text is copied into the caller's arena; output structs are
 *    caller-owned. Inputs are only borrowed for the duration of the call.
 *  - Ids passed in are the 22-character ids of model.h; an id that does not
 *    exist (or exists in another exchange) is SANTA_NOT_FOUND.
 */
#ifndef SANTA_STORE_H
#define SANTA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/arena.h"
#include "santa/draw_plan.h"
#include "santa/model.h"
#include "santa/status.h"

struct santa_store;

/* The type of each operation of the table below, by name, so a back end
 * declares its functions with the very types the table holds (see
 * SANTA_STORE_OPS_DECLARE). The contracts are on the table's members. */
typedef enum santa_status santa_store_ping_fn(struct santa_store *s);
typedef enum santa_status santa_store_exchange_create_fn(struct santa_store *s,
                                                         const struct santa_exchange *ex);
typedef enum santa_status santa_store_exchange_get_fn(struct santa_store *s, const char *id,
                                                      struct santa_arena *a,
                                                      struct santa_exchange *out);
typedef enum santa_status santa_store_principal_find_fn(struct santa_store *s,
                                                        const struct santa_hash *token_hash,
                                                        struct santa_principal *out);
typedef enum santa_status santa_store_participant_add_fn(struct santa_store *s,
                                                         struct santa_participant *p,
                                                         uint32_t max_participants);
typedef enum santa_status santa_store_participant_list_fn(struct santa_store *s,
                                                          const char *exchange_id,
                                                          uint64_t after_seq, uint32_t limit,
                                                          struct santa_arena *a,
                                                          struct santa_participant_page *out);
typedef enum santa_status santa_store_participant_get_fn(struct santa_store *s,
                                                         const char *exchange_id,
                                                         const char *participant_id,
                                                         struct santa_arena *a,
                                                         struct santa_participant *out);
typedef enum santa_status santa_store_participant_remove_fn(struct santa_store *s,
                                                            const char *exchange_id,
                                                            const char *participant_id);
typedef enum santa_status santa_store_wishlist_set_fn(struct santa_store *s,
                                                      const char *exchange_id,
                                                      const char *participant_id,
                                                      const char *wishlist);
typedef enum santa_status santa_store_exclusion_add_fn(struct santa_store *s,
                                                       const char *exchange_id,
                                                       const char *giver_id,
                                                       const char *receiver_id, bool mutual);
typedef enum santa_status santa_store_draw_fn(struct santa_store *s, const char *exchange_id,
                                              struct santa_draw_plan *plan);
typedef enum santa_status santa_store_undraw_fn(struct santa_store *s, const char *exchange_id);
typedef enum santa_status santa_store_assignment_get_fn(struct santa_store *s,
                                                        const char *exchange_id,
                                                        const char *giver_id, struct santa_arena *a,
                                                        struct santa_assignment *out);
typedef enum santa_status santa_store_reminders_queue_fn(struct santa_store *s,
                                                         const char *exchange_id, uint32_t *queued);
typedef enum santa_status santa_store_reminders_pending_fn(struct santa_store *s, uint64_t *depth);

struct santa_store_ops {
    const char *name; /* "csv", "sqlite", ... for logs and metrics */

    /* Closes the store and frees the instance. Call once, after every thread
     * has stopped using it. */
    void (*close)(struct santa_store *s);
    /* Called by each worker thread as it exits; may be NULL. */
    void (*thread_stop)(struct santa_store *s);
    /* SANTA_OK when the store can answer (for /readyz). */
    santa_store_ping_fn *ping;

    /* Persists a new exchange (open, no participants). ex->id is fresh. */
    santa_store_exchange_create_fn *exchange_create;
    /* Reads an exchange with its participant_count. */
    santa_store_exchange_get_fn *exchange_get;

    /* Resolves a token or admin-token hash to its principal; SANTA_NOT_FOUND
     * when no exchange or participant holds it. */
    santa_store_principal_find_fn *principal_find;

    /* Adds p to exchange p->exchange_id, setting p->seq. Checks, atomically:
     * exchange exists (NOT_FOUND), is open (ALREADY_DRAWN), no participant
     * has the same email_key (EMAIL_TAKEN), fewer than max_participants
     * already joined (EXCHANGE_FULL). */
    santa_store_participant_add_fn *participant_add;
    /* Up to `limit` participants with seq > after_seq, in join order. The
     * page's next_seq is the last item's seq when more follow, else 0. */
    santa_store_participant_list_fn *participant_list;
    /* One participant of this exchange. */
    santa_store_participant_get_fn *participant_get;
    /* Removes a participant and every exclusion naming them; ALREADY_DRAWN
     * once drawn. */
    santa_store_participant_remove_fn *participant_remove;
    /* Replaces a participant's wishlist (allowed before and after the draw). */
    santa_store_wishlist_set_fn *wishlist_set;

    /* Forbids giver -> receiver (and receiver -> giver when mutual). Both must
     * be participants of the exchange (NOT_FOUND); ALREADY_DRAWN once drawn.
     * Adding an exclusion that exists already succeeds. */
    santa_store_exclusion_add_fn *exclusion_add;

    /* The draw, in one write transaction (see draw_plan.h): NOT_FOUND,
     * ALREADY_DRAWN, or whatever santa_draw_plan_solve() returned; on SANTA_OK
     * the assignments and the "drawn" status are committed together. */
    santa_store_draw_fn *draw;
    /* Deletes every assignment and reopens the exchange (idempotent). */
    santa_store_undraw_fn *undraw;
    /* The giver's assignment: NOT_FOUND, or NOT_DRAWN while open. */
    santa_store_assignment_get_fn *assignment_get;

    /* Queues one reminder per participant in the store's outbox, atomically,
     * and reports how many. */
    santa_store_reminders_queue_fn *reminders_queue;
    /* Reminders queued and neither sent nor dead-lettered, in every
     * exchange: the santa_reminder_queue_depth gauge GET /metrics shows.
     * NULL when the store has no queue for workers (stage 01, test stores);
     * a wrapping store (store_wrap.h) has it exactly when its inner store does. */
    santa_store_reminders_pending_fn *reminders_pending;
};

/* The one list of the operations a request makes, in santa_store_ops order
 * (close and thread_stop belong to no request). SANTA_STORE_DATA_OPS(X, a)
 * calls X(a, name) for every member from exchange_create to reminders_queue;
 * SANTA_STORE_OPS(X) calls X(name) for ping and then each of those. */
#define SANTA_STORE_DATA_OPS(X, a)                                                                 \
    X(a, exchange_create)                                                                          \
    X(a, exchange_get)                                                                             \
    X(a, principal_find)                                                                           \
    X(a, participant_add)                                                                          \
    X(a, participant_list)                                                                         \
    X(a, participant_get)                                                                          \
    X(a, participant_remove)                                                                       \
    X(a, wishlist_set)                                                                             \
    X(a, exclusion_add)                                                                            \
    X(a, draw)                                                                                     \
    X(a, undraw)                                                                                   \
    X(a, assignment_get)                                                                           \
    X(a, reminders_queue)
#define SANTA_STORE_OP_ONE_(X, name) X(name)
#define SANTA_STORE_OPS(X) X(ping) SANTA_STORE_DATA_OPS(SANTA_STORE_OP_ONE_, X)

/* Declares a back end's operations, one function per member of the table
 * (from exchange_create to reminders_queue), named prefix_<member>:
 * SANTA_STORE_OPS_DECLARE(sqlite_store) declares sqlite_store_exchange_create
 * and the rest, each with its member's type, so every store declares the
 * same set the same way and the compiler checks each against the table. */
#define SANTA_STORE_OP_DECLARE_(prefix, name) santa_store_##name##_fn prefix##_##name;
#define SANTA_STORE_OPS_DECLARE(prefix) SANTA_STORE_DATA_OPS(SANTA_STORE_OP_DECLARE_, prefix)

/* The base every back end embeds first. */
struct santa_store {
    const struct santa_store_ops *ops;
};

/* Shorthands so callers read `santa_store_close(s)`. */
static inline void santa_store_close(struct santa_store *s)
{
    if (s)
        s->ops->close(s);
}

#endif /* SANTA_STORE_H */
