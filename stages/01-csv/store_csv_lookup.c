/*
 * store_csv_lookup.c - the scans every CSV store operation is built from:
 * find an exchange, walk one exchange's participants, flip the drawn flag.
 * See store_csv_internal.h; the caller holds the store's lock.
 */
#include <string.h>

#include "santa/log.h"
#include "store_csv_internal.h"
#include "store_csv_rows.h"

enum csv_visit csv_store_corrupt_row(const char *table)
{
    santa_log(SANTA_LOG_ERROR, "store csv: %s: a row does not decode", table);
    return CSV_VISIT_ERROR;
}

/* ---- finding an exchange ----------------------------------------------- */

struct find_exchange {
    const char *id;
    struct santa_arena *a;
    struct santa_exchange *out;
    uint64_t draw_gen;
    bool found;
};

static enum csv_visit visit_find_exchange(void *ctx, const struct csv_record *row)
{
    struct find_exchange *f = ctx;
    if (strcmp(csv_record_field(row, EX_ID), f->id) != 0)
        return CSV_VISIT_NEXT;
    struct santa_exchange ex;
    if (!csv_store_row_exchange_decode(row, &ex, &f->draw_gen))
        return csv_store_corrupt_row("exchanges.csv");
    if (!csv_store_row_exchange_copy(f->a, &ex, f->out)) {
        santa_log(SANTA_LOG_ERROR, "store csv: out of memory reading an exchange");
        return CSV_VISIT_ERROR;
    }
    f->found = true;
    return CSV_VISIT_STOP;
}

enum santa_status csv_store_find_exchange(struct csv_store *cs, const char *id,
                                          struct santa_arena *a, struct santa_exchange *out,
                                          uint64_t *draw_gen)
{
    struct find_exchange f = {.id = id, .a = a, .out = out};
    enum santa_status st = csv_table_scan(&cs->t[T_EXCHANGES], visit_find_exchange, &f);
    if (st != SANTA_OK)
        return st;
    if (!f.found)
        return SANTA_NOT_FOUND;
    if (draw_gen)
        *draw_gen = f.draw_gen;
    return SANTA_OK;
}

struct set_drawn {
    const char *id;
    bool drawn;
    uint64_t draw_gen;
};

static enum csv_edit edit_set_drawn(void *ctx, const struct csv_record *row, struct csv_buf *out)
{
    struct set_drawn *e = ctx;
    if (strcmp(csv_record_field(row, EX_ID), e->id) != 0)
        return CSV_EDIT_KEEP;
    struct santa_exchange ex;
    uint64_t gen;
    if (!csv_store_row_exchange_decode(row, &ex, &gen)) {
        csv_store_corrupt_row("exchanges.csv");
        return CSV_EDIT_ERROR;
    }
    ex.drawn = e->drawn;
    if (!csv_store_row_exchange_encode(out, &ex, e->draw_gen))
        return CSV_EDIT_ERROR;
    return CSV_EDIT_REPLACE;
}

enum santa_status csv_store_set_drawn(struct csv_store *cs, const char *id, bool drawn,
                                      uint64_t draw_gen)
{
    struct set_drawn e = {.id = id, .drawn = drawn, .draw_gen = draw_gen};
    return csv_table_rewrite(&cs->t[T_EXCHANGES], edit_set_drawn, &e);
}

/* ---- participants of one exchange -------------------------------------- */

struct each_participant {
    const char *exchange_id;
    csv_store_participant_fn fn;
    void *ctx;
};

static enum csv_visit visit_each_participant(void *ctx, const struct csv_record *row)
{
    struct each_participant *e = ctx;
    if (strcmp(csv_record_field(row, PA_EXCHANGE_ID), e->exchange_id) != 0)
        return CSV_VISIT_NEXT;
    struct santa_participant p;
    if (!csv_store_row_participant_decode(row, &p))
        return csv_store_corrupt_row("participants.csv");
    return e->fn(e->ctx, &p);
}

enum santa_status csv_store_scan_participants(struct csv_store *cs, const char *exchange_id,
                                              csv_store_participant_fn fn, void *ctx)
{
    struct each_participant e = {.exchange_id = exchange_id, .fn = fn, .ctx = ctx};
    return csv_table_scan(&cs->t[T_PARTICIPANTS], visit_each_participant, &e);
}

enum csv_visit csv_store_count_participant(void *ctx, const struct santa_participant *p)
{
    (void)p;
    (*(uint32_t *)ctx)++;
    return CSV_VISIT_NEXT;
}

enum csv_visit csv_store_find_two_visit(void *ctx, const struct santa_participant *p)
{
    struct csv_store_find_two *f = ctx;
    for (int i = 0; i < 2; i++) {
        if (f->found[i] || !f->id[i] || strcmp(p->id, f->id[i]) != 0)
            continue;
        if (!csv_store_row_participant_copy(f->a, p, &f->out[i])) {
            santa_log(SANTA_LOG_ERROR, "store csv: out of memory reading a participant");
            return CSV_VISIT_ERROR;
        }
        f->found[i] = true;
    }
    bool done = (f->found[0] || !f->id[0]) && (f->found[1] || !f->id[1]);
    return done ? CSV_VISIT_STOP : CSV_VISIT_NEXT;
}
