/*
 * store_csv_exchange.c - stage 01's exchange operations: create, get, and
 * finding whose token a hash is. See store_csv_internal.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "csv_table.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/token.h"
#include "store_csv_internal.h"
#include "store_csv_rows.h"

enum santa_status csv_store_exchange_create(struct santa_store *s, const struct santa_exchange *ex)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_exchange row = *ex;
    row.drawn = false; /* a new exchange is open, whatever the caller set */
    struct csv_buf b;
    csv_buf_init(&b);
    if (!csv_store_row_exchange_encode(&b, &row, 0)) {
        santa_log(SANTA_LOG_ERROR, "store csv: out of memory encoding an exchange");
        return SANTA_UNAVAILABLE;
    }
    csv_store_wrlock(cs);
    enum santa_status st = csv_table_append(&cs->t[T_EXCHANGES], &b);
    csv_store_unlock(cs);
    csv_buf_free(&b);
    return st;
}

enum santa_status csv_store_exchange_get(struct santa_store *s, const char *id,
                                         struct santa_arena *a, struct santa_exchange *out)
{
    struct csv_store *cs = csv_store_of(s);
    csv_store_rdlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, id, a, out, NULL);
    if (st == SANTA_OK) {
        out->participant_count = 0;
        st = csv_store_scan_participants(cs, id, csv_store_count_participant,
                                         &out->participant_count);
    }
    csv_store_unlock(cs);
    return st;
}

struct find_principal {
    const struct santa_hash *hash;
    struct santa_principal *out;
    bool found;
};

static enum csv_visit visit_admin_hash(void *ctx, const struct csv_record *row)
{
    struct find_principal *f = ctx;
    struct santa_hash h;
    if (!santa_hash_from_hex(csv_record_field(row, EX_ADMIN_HASH), &h))
        return csv_store_corrupt_row("exchanges.csv");
    if (!santa_hash_equal(&h, f->hash))
        return CSV_VISIT_NEXT;
    const char *id = csv_record_field(row, EX_ID);
    if (strlen(id) != SANTA_ID_LEN)
        return csv_store_corrupt_row("exchanges.csv");
    f->out->role = SANTA_ROLE_ADMIN;
    memcpy(f->out->exchange_id, id, SANTA_ID_LEN + 1);
    f->out->participant_id[0] = '\0';
    f->found = true;
    return CSV_VISIT_STOP;
}

static enum csv_visit visit_token_hash(void *ctx, const struct csv_record *row)
{
    struct find_principal *f = ctx;
    struct santa_hash h;
    if (!santa_hash_from_hex(csv_record_field(row, PA_TOKEN_HASH), &h))
        return csv_store_corrupt_row("participants.csv");
    if (!santa_hash_equal(&h, f->hash))
        return CSV_VISIT_NEXT;
    const char *ex = csv_record_field(row, PA_EXCHANGE_ID);
    const char *id = csv_record_field(row, PA_ID);
    if (strlen(ex) != SANTA_ID_LEN || strlen(id) != SANTA_ID_LEN)
        return csv_store_corrupt_row("participants.csv");
    f->out->role = SANTA_ROLE_PARTICIPANT;
    memcpy(f->out->exchange_id, ex, SANTA_ID_LEN + 1);
    memcpy(f->out->participant_id, id, SANTA_ID_LEN + 1);
    f->found = true;
    return CSV_VISIT_STOP;
}

enum santa_status csv_store_principal_find(struct santa_store *s,
                                           const struct santa_hash *token_hash,
                                           struct santa_principal *out)
{
    struct csv_store *cs = csv_store_of(s);
    struct find_principal f = {.hash = token_hash, .out = out};
    csv_store_rdlock(cs);
    enum santa_status st = csv_table_scan(&cs->t[T_EXCHANGES], visit_admin_hash, &f);
    if (st == SANTA_OK && !f.found)
        st = csv_table_scan(&cs->t[T_PARTICIPANTS], visit_token_hash, &f);
    csv_store_unlock(cs);
    if (st == SANTA_OK && !f.found)
        st = SANTA_NOT_FOUND;
    return st;
}
