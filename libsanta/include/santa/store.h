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

struct santa_store_ops {
    const char *name; /* "csv", "sqlite", ... for logs and metrics */

    /* Closes the store and frees the instance. Call once, after every thread
     * has stopped using it. */
    void (*close)(struct santa_store *s);
    /* Called by each worker thread as it exits; may be NULL. */
    void (*thread_stop)(struct santa_store *s);
    /* SANTA_OK when the store can answer (for /readyz). */
    enum santa_status (*ping)(struct santa_store *s);

    /* Persists a new exchange (open, no participants). ex->id is fresh. */
    enum santa_status (*exchange_create)(struct santa_store *s, const struct santa_exchange *ex);
    /* Reads an exchange with its participant_count. */
    enum santa_status (*exchange_get)(struct santa_store *s, const char *id, struct santa_arena *a,
                                      struct santa_exchange *out);

    /* Resolves a token or admin-token hash to its principal; SANTA_NOT_FOUND
     * when no exchange or participant holds it. */
    enum santa_status (*principal_find)(struct santa_store *s, const struct santa_hash *token_hash,
                                        struct santa_principal *out);

    /* Adds p to exchange p->exchange_id, setting p->seq. Checks, atomically:
     * exchange exists (NOT_FOUND), is open (ALREADY_DRAWN), no participant
     * has the same email_key (EMAIL_TAKEN), fewer than max_participants
     * already joined (EXCHANGE_FULL). */
    enum santa_status (*participant_add)(struct santa_store *s, struct santa_participant *p,
                                         uint32_t max_participants);
    /* Up to `limit` participants with seq > after_seq, in join order. The
     * page's next_seq is the last item's seq when more follow, else 0. */
    enum santa_status (*participant_list)(struct santa_store *s, const char *exchange_id,
                                          uint64_t after_seq, uint32_t limit,
                                          struct santa_arena *a,
                                          struct santa_participant_page *out);
    /* One participant of this exchange. */
    enum santa_status (*participant_get)(struct santa_store *s, const char *exchange_id,
                                         const char *participant_id, struct santa_arena *a,
                                         struct santa_participant *out);
    /* Removes a participant and every exclusion naming them; ALREADY_DRAWN
     * once drawn. */
    enum santa_status (*participant_remove)(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id);
    /* Replaces a participant's wishlist (allowed before and after the draw). */
    enum santa_status (*wishlist_set)(struct santa_store *s, const char *exchange_id,
                                      const char *participant_id, const char *wishlist);

    /* Forbids giver -> receiver (and receiver -> giver when mutual). Both must
     * be participants of the exchange (NOT_FOUND); ALREADY_DRAWN once drawn.
     * Adding an exclusion that exists already succeeds. */
    enum santa_status (*exclusion_add)(struct santa_store *s, const char *exchange_id,
                                       const char *giver_id, const char *receiver_id, bool mutual);

    /* The draw, in one write transaction (see draw_plan.h): NOT_FOUND,
     * ALREADY_DRAWN, or whatever santa_draw_plan_solve() returned; on SANTA_OK
     * the assignments and the "drawn" status are committed together. */
    enum santa_status (*draw)(struct santa_store *s, const char *exchange_id,
                              struct santa_draw_plan *plan);
    /* Deletes every assignment and reopens the exchange (idempotent). */
    enum santa_status (*undraw)(struct santa_store *s, const char *exchange_id);
    /* The giver's assignment: NOT_FOUND, or NOT_DRAWN while open. */
    enum santa_status (*assignment_get)(struct santa_store *s, const char *exchange_id,
                                        const char *giver_id, struct santa_arena *a,
                                        struct santa_assignment *out);

    /* Queues one reminder per participant in the store's outbox, atomically,
     * and reports how many. */
    enum santa_status (*reminders_queue)(struct santa_store *s, const char *exchange_id,
                                         uint32_t *queued);
    /* Reminders queued and neither sent nor dead-lettered, in every
     * exchange: the santa_reminder_queue_depth gauge GET /metrics shows.
     * NULL when the store has no queue for workers (stage 01, test stores). */
    enum santa_status (*reminders_pending)(struct santa_store *s, uint64_t *depth);
};

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
