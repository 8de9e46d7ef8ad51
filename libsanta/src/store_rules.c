/*
 * store_rules.c - the decisions every store makes the same way (see
 * santa/store_rules.h).
 */
#include "santa/store_rules.h"

#include <string.h>

#include "santa/log.h"

enum santa_status santa_rule_join(const struct santa_exchange_state *ex, bool email_taken,
                                  uint32_t max_participants)
{
    if (ex->drawn)
        return SANTA_ALREADY_DRAWN;
    if (email_taken)
        return SANTA_EMAIL_TAKEN;
    if (ex->participants >= (int64_t)max_participants)
        return SANTA_EXCHANGE_FULL;
    return SANTA_OK;
}

enum santa_status santa_rule_remove(const struct santa_exchange_state *ex, bool found)
{
    if (!found)
        return SANTA_NOT_FOUND;
    return ex->drawn ? SANTA_ALREADY_DRAWN : SANTA_OK;
}

enum santa_status santa_rule_exclusion(const struct santa_exchange_state *ex, bool giver_found,
                                       bool receiver_found)
{
    if (!giver_found || !receiver_found)
        return SANTA_NOT_FOUND;
    return ex->drawn ? SANTA_ALREADY_DRAWN : SANTA_OK;
}

enum santa_status santa_store_corrupt(const char *store, const char *what)
{
    santa_log(SANTA_LOG_ERROR, "store %s: %s: a row does not decode", store, what);
    return SANTA_UNAVAILABLE;
}

enum santa_status santa_store_no_memory(const char *store, const char *what)
{
    santa_log(SANTA_LOG_ERROR, "store %s: %s: out of memory", store, what);
    return SANTA_UNAVAILABLE;
}

/* Copies a text column into the arena; SQL NULL gives NULL. */
static bool col_text(const struct santa_col *c, struct santa_arena *a, const char **out)
{
    if (!c->text) {
        *out = NULL;
        return true;
    }
    *out = santa_arena_strndup(a, c->text, c->len);
    return *out != NULL;
}

enum santa_status santa_reveal_read(const char *store, const char *exchange_id,
                                    const char *giver_id, const struct santa_reveal_row *row,
                                    struct santa_arena *a, struct santa_assignment *out)
{
    /* The checks in the order of store.h: exchange, giver, drawn. */
    if (!row || !row->giver_name.text)
        return SANTA_NOT_FOUND;
    if (!row->drawn)
        return SANTA_NOT_DRAWN;
    if (!row->recipient_id.text) {
        /* Joins stop at the draw, so a drawn giver always has one: the
         * data has been damaged. */
        santa_log(SANTA_LOG_ERROR, "store %s: drawn exchange %s has no assignment for %s", store,
                  exchange_id, giver_id);
        return SANTA_UNAVAILABLE;
    }
    memset(out, 0, sizeof *out);
    if (strlen(giver_id) != SANTA_ID_LEN || row->recipient_id.len != SANTA_ID_LEN)
        return santa_store_corrupt(store, "assignments");
    memcpy(out->giver_id, giver_id, SANTA_ID_LEN + 1);
    memcpy(out->recipient_id, row->recipient_id.text, SANTA_ID_LEN);
    out->recipient_id[SANTA_ID_LEN] = '\0';
    if (!col_text(&row->giver_name, a, &out->giver_name) ||
        !col_text(&row->recipient_name, a, &out->recipient_name) ||
        !col_text(&row->recipient_wishlist, a, &out->recipient_wishlist))
        return santa_store_no_memory(store, "reading an assignment");
    if (!out->recipient_name || !out->recipient_wishlist)
        return santa_store_corrupt(store, "participants");
    return SANTA_OK;
}
