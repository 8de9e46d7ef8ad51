/*
 * store_csv_rows.c - rows <-> model structs for the CSV store.
 * See store_csv_rows.h.
 */
#include "store_csv_rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "santa/token.h"

const char *const csv_store_exchange_header[EX_NCOLS] = {
    [EX_ID] = "id",
    [EX_NAME] = "name",
    [EX_BUDGET_SET] = "budget_set",
    [EX_BUDGET] = "budget",
    [EX_DATE] = "exchange_date",
    [EX_NO_MUTUAL] = "no_mutual",
    [EX_DRAWN] = "drawn",
    [EX_DRAW_GEN] = "draw_gen",
    [EX_ADMIN_HASH] = "admin_hash",
    [EX_INVITE_HASH] = "invite_hash",
};

const char *const csv_store_participant_header[PA_NCOLS] = {
    [PA_SEQ] = "seq",
    [PA_ID] = "id",
    [PA_EXCHANGE_ID] = "exchange_id",
    [PA_NAME] = "name",
    [PA_EMAIL] = "email",
    [PA_EMAIL_KEY] = "email_key",
    [PA_WISHLIST] = "wishlist",
    [PA_TOKEN_HASH] = "token_hash",
};

const char *const csv_store_exclusion_header[XC_NCOLS] = {
    [XC_EXCHANGE_ID] = "exchange_id",
    [XC_GIVER_ID] = "giver_id",
    [XC_RECEIVER_ID] = "receiver_id",
};

const char *const csv_store_assignment_header[AS_NCOLS] = {
    [AS_EXCHANGE_ID] = "exchange_id",
    [AS_DRAW_GEN] = "draw_gen",
    [AS_GIVER_ID] = "giver_id",
    [AS_RECIPIENT_ID] = "recipient_id",
};

const char *const csv_store_outbox_header[OB_NCOLS] = {
    [OB_EXCHANGE_ID] = "exchange_id",
    [OB_PARTICIPANT_ID] = "participant_id",
    [OB_EMAIL] = "email",
    [OB_QUEUED_AT] = "queued_at",
};

bool csv_store_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool parse_flag(const char *s, bool *out)
{
    if (strcmp(s, "0") == 0)
        *out = false;
    else if (strcmp(s, "1") == 0)
        *out = true;
    else
        return false;
    return true;
}

/* Copies a fixed-size id or date; false when it does not fit. */
static bool copy_fixed(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

bool csv_store_row_exchange_decode(const struct csv_record *r, struct santa_exchange *ex,
                                   uint64_t *draw_gen)
{
    if (csv_record_count(r) != EX_NCOLS)
        return false;
    memset(ex, 0, sizeof *ex);
    bool budget_set;
    if (!copy_fixed(ex->id, sizeof ex->id, csv_record_field(r, EX_ID)) ||
        !copy_fixed(ex->exchange_date, sizeof ex->exchange_date, csv_record_field(r, EX_DATE)) ||
        !parse_flag(csv_record_field(r, EX_BUDGET_SET), &budget_set) ||
        !parse_flag(csv_record_field(r, EX_NO_MUTUAL), &ex->no_mutual) ||
        !parse_flag(csv_record_field(r, EX_DRAWN), &ex->drawn) ||
        !csv_store_parse_u64(csv_record_field(r, EX_DRAW_GEN), draw_gen) ||
        !santa_hash_from_hex(csv_record_field(r, EX_ADMIN_HASH), &ex->admin_hash) ||
        !santa_hash_from_hex(csv_record_field(r, EX_INVITE_HASH), &ex->invite_hash))
        return false;
    ex->name = csv_record_field(r, EX_NAME);
    ex->budget = budget_set ? csv_record_field(r, EX_BUDGET) : NULL;
    return true;
}

bool csv_store_row_exchange_encode(struct csv_buf *b, const struct santa_exchange *ex,
                                   uint64_t draw_gen)
{
    char admin[2 * SANTA_HASH_LEN + 1], invite[2 * SANTA_HASH_LEN + 1], gen[24];
    santa_hash_to_hex(&ex->admin_hash, admin);
    santa_hash_to_hex(&ex->invite_hash, invite);
    snprintf(gen, sizeof gen, "%" PRIu64, draw_gen);
    const char *f[EX_NCOLS] = {
        [EX_ID] = ex->id,
        [EX_NAME] = ex->name ? ex->name : "",
        [EX_BUDGET_SET] = ex->budget ? "1" : "0",
        [EX_BUDGET] = ex->budget ? ex->budget : "",
        [EX_DATE] = ex->exchange_date,
        [EX_NO_MUTUAL] = ex->no_mutual ? "1" : "0",
        [EX_DRAWN] = ex->drawn ? "1" : "0",
        [EX_DRAW_GEN] = gen,
        [EX_ADMIN_HASH] = admin,
        [EX_INVITE_HASH] = invite,
    };
    return csv_buf_add_record(b, f, EX_NCOLS);
}

bool csv_store_row_exchange_copy(struct santa_arena *a, const struct santa_exchange *src,
                                 struct santa_exchange *dst)
{
    *dst = *src;
    dst->name = santa_arena_strdup(a, src->name);
    dst->budget = src->budget ? santa_arena_strdup(a, src->budget) : NULL;
    return dst->name && (!src->budget || dst->budget);
}

bool csv_store_row_participant_decode(const struct csv_record *r, struct santa_participant *p)
{
    if (csv_record_count(r) != PA_NCOLS)
        return false;
    memset(p, 0, sizeof *p);
    if (!csv_store_parse_u64(csv_record_field(r, PA_SEQ), &p->seq) ||
        !copy_fixed(p->id, sizeof p->id, csv_record_field(r, PA_ID)) ||
        !copy_fixed(p->exchange_id, sizeof p->exchange_id, csv_record_field(r, PA_EXCHANGE_ID)) ||
        !santa_hash_from_hex(csv_record_field(r, PA_TOKEN_HASH), &p->token_hash))
        return false;
    p->name = csv_record_field(r, PA_NAME);
    p->email = csv_record_field(r, PA_EMAIL);
    p->email_key = csv_record_field(r, PA_EMAIL_KEY);
    p->wishlist = csv_record_field(r, PA_WISHLIST);
    return true;
}

bool csv_store_row_participant_encode(struct csv_buf *b, const struct santa_participant *p)
{
    char token[2 * SANTA_HASH_LEN + 1], seq[24];
    santa_hash_to_hex(&p->token_hash, token);
    snprintf(seq, sizeof seq, "%" PRIu64, p->seq);
    const char *f[PA_NCOLS] = {
        [PA_SEQ] = seq,
        [PA_ID] = p->id,
        [PA_EXCHANGE_ID] = p->exchange_id,
        [PA_NAME] = p->name ? p->name : "",
        [PA_EMAIL] = p->email ? p->email : "",
        [PA_EMAIL_KEY] = p->email_key ? p->email_key : "",
        [PA_WISHLIST] = p->wishlist ? p->wishlist : "",
        [PA_TOKEN_HASH] = token,
    };
    return csv_buf_add_record(b, f, PA_NCOLS);
}

bool csv_store_row_participant_copy(struct santa_arena *a, const struct santa_participant *src,
                                    struct santa_participant *dst)
{
    *dst = *src;
    dst->name = santa_arena_strdup(a, src->name);
    dst->email = santa_arena_strdup(a, src->email);
    dst->email_key = santa_arena_strdup(a, src->email_key);
    dst->wishlist = santa_arena_strdup(a, src->wishlist);
    return dst->name && dst->email && dst->email_key && dst->wishlist;
}
