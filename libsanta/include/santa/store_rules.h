/*
 * santa/store_rules.h - what every store decides the same way, whatever
 * its back end: the refusals of store.h's write operations, in their order,
 * as pure functions of the facts a store read, and the reveal's row turned
 * into a struct santa_assignment.
 *
 * A store reads the facts its own way (an index probe, a locked row, a scan
 * of a file) and under its own lock, which must keep them true until it
 * commits; the verdict lives here once, so two stores cannot drift apart on
 * which refusal wins. Nothing here does I/O or keeps state.
 */
#ifndef SANTA_STORE_RULES_H
#define SANTA_STORE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "santa/arena.h"
#include "santa/model.h"
#include "santa/status.h"

/* The facts about an exchange that the write operations check. */
struct santa_exchange_state {
    bool no_mutual;
    bool drawn;
    int64_t participants;
};

/* participant_add: ALREADY_DRAWN, then EMAIL_TAKEN, then EXCHANGE_FULL
 * (participants >= max), else SANTA_OK. */
enum santa_status santa_rule_join(const struct santa_exchange_state *ex, bool email_taken,
                                  uint32_t max_participants);
/* participant_remove: NOT_FOUND when the participant is not in the
 * exchange, then ALREADY_DRAWN, else SANTA_OK. */
enum santa_status santa_rule_remove(const struct santa_exchange_state *ex, bool found);
/* exclusion_add: NOT_FOUND unless both are participants of the exchange,
 * then ALREADY_DRAWN, else SANTA_OK. */
enum santa_status santa_rule_exclusion(const struct santa_exchange_state *ex, bool giver_found,
                                       bool receiver_found);

/* One text column as a back end read it: text is NULL for SQL NULL, else
 * len bytes (NUL-terminated too). Borrowed from the back end's result. */
struct santa_col {
    const char *text;
    size_t len;
};

/* The reveal's one row (exchange, giver, the giver's assignment joined):
 * is the exchange drawn, the giver's name (NULL: no such giver), and the
 * recipient's id, name and wishlist (NULL id: no assignment). */
struct santa_reveal_row {
    bool drawn;
    struct santa_col giver_name, recipient_id, recipient_name, recipient_wishlist;
};

/* assignment_get's answer from its row (NULL: no row, the exchange does not
 * exist): NOT_FOUND, NOT_DRAWN in the order of store.h, else *out filled
 * with text copied into a. A drawn giver without an assignment, a row that
 * does not decode or no memory are SANTA_UNAVAILABLE, logged as the store
 * named `store` ("sqlite", ...). */
enum santa_status santa_reveal_read(const char *store, const char *exchange_id,
                                    const char *giver_id, const struct santa_reveal_row *row,
                                    struct santa_arena *a, struct santa_assignment *out);

/* Log "store <store>: <what>: ..." and answer SANTA_UNAVAILABLE: a row that
 * does not decode, no memory. */
enum santa_status santa_store_corrupt(const char *store, const char *what);
enum santa_status santa_store_no_memory(const char *store, const char *what);

#endif /* SANTA_STORE_RULES_H */
