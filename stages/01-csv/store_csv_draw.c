/*
 * store_csv_draw.c - the draw of the CSV store, atomic across a crash.
 *
 * Under the write lock: feed the plan the participants (join order) and the
 * exclusions, solve, then commit in two steps made safe by a generation
 * number. Step 1 appends the assignment rows tagged with a fresh draw_gen
 * (fdatasync); they are dead until step 2 rewrites exchanges.csv with drawn=1
 * and that draw_gen, whose rename is the commit point. Reads believe only
 * rows of the exchange's current generation, so a crash between the steps
 * leaves inert rows, never a half-drawn exchange.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "santa/log.h"
#include "store_csv_internal.h"
#include "store_csv_rows.h"

static enum csv_visit plan_participant(void *ctx, const struct santa_participant *p)
{
    enum santa_status st = santa_draw_plan_add_participant(ctx, p->id, p->name);
    if (st != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "store csv: draw plan: %s", santa_status_code(st));
        return CSV_VISIT_ERROR;
    }
    return CSV_VISIT_NEXT;
}

struct plan_exclusions {
    const char *exchange_id;
    struct santa_draw_plan *plan;
};

static enum csv_visit plan_exclusion(void *ctx, const struct csv_record *row)
{
    struct plan_exclusions *pe = ctx;
    if (strcmp(csv_record_field(row, XC_EXCHANGE_ID), pe->exchange_id) != 0)
        return CSV_VISIT_NEXT;
    enum santa_status st = santa_draw_plan_add_exclusion(
        pe->plan, csv_record_field(row, XC_GIVER_ID), csv_record_field(row, XC_RECEIVER_ID));
    if (st != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "store csv: draw plan: %s", santa_status_code(st));
        return CSV_VISIT_ERROR;
    }
    return CSV_VISIT_NEXT;
}

/* The highest draw_gen among this exchange's assignment rows: a new draw
 * must use a larger one, or rows of a crashed, uncommitted draw with the same
 * number would come back to life next to the new ones. */
struct max_gen {
    const char *exchange_id;
    uint64_t max;
};

static enum csv_visit visit_max_gen(void *ctx, const struct csv_record *row)
{
    struct max_gen *g = ctx;
    if (strcmp(csv_record_field(row, AS_EXCHANGE_ID), g->exchange_id) != 0)
        return CSV_VISIT_NEXT;
    uint64_t gen;
    if (!csv_store_parse_u64(csv_record_field(row, AS_DRAW_GEN), &gen))
        return csv_store_corrupt_row("assignments.csv");
    if (gen > g->max)
        g->max = gen;
    return CSV_VISIT_NEXT;
}

static bool encode_assignments(struct csv_buf *b, const char *exchange_id, uint64_t gen,
                               const struct santa_draw_plan *plan)
{
    char gen_text[24];
    snprintf(gen_text, sizeof gen_text, "%" PRIu64, gen);
    uint32_t n = santa_draw_plan_count(plan);
    for (uint32_t i = 0; i < n; i++) {
        const char *giver, *recipient;
        santa_draw_plan_pair(plan, i, &giver, &recipient);
        const char *f[AS_NCOLS] = {
            [AS_EXCHANGE_ID] = exchange_id,
            [AS_DRAW_GEN] = gen_text,
            [AS_GIVER_ID] = giver,
            [AS_RECIPIENT_ID] = recipient,
        };
        if (!csv_buf_add_record(b, f, AS_NCOLS))
            return false;
    }
    return true;
}

enum santa_status csv_store_draw_locked(struct csv_store *cs, const char *exchange_id,
                                        struct santa_draw_plan *plan,
                                        struct santa_arena *scratch)
{
    struct santa_exchange ex;
    uint64_t gen;
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, scratch, &ex, &gen);
    if (st != SANTA_OK)
        return st;
    if (ex.drawn)
        return SANTA_ALREADY_DRAWN;
    santa_draw_plan_begin(plan, ex.no_mutual);
    st = csv_store_scan_participants(cs, exchange_id, plan_participant, plan);
    if (st != SANTA_OK)
        return st;
    struct plan_exclusions pe = {.exchange_id = exchange_id, .plan = plan};
    st = csv_table_scan(&cs->t[T_EXCLUSIONS], plan_exclusion, &pe);
    if (st != SANTA_OK)
        return st;
    st = santa_draw_plan_solve(plan);
    if (st != SANTA_OK)
        return st;

    struct max_gen g = {.exchange_id = exchange_id, .max = gen};
    st = csv_table_scan(&cs->t[T_ASSIGNMENTS], visit_max_gen, &g);
    if (st != SANTA_OK)
        return st;
    uint64_t new_gen = g.max + 1;
    struct csv_buf b;
    csv_buf_init(&b);
    if (!encode_assignments(&b, exchange_id, new_gen, plan)) {
        santa_log(SANTA_LOG_ERROR, "store csv: out of memory encoding assignments");
        st = SANTA_UNAVAILABLE;
    } else {
        /* Step 1: the rows, durable but dead until step 2 names their gen. */
        st = csv_table_append(&cs->t[T_ASSIGNMENTS], &b);
    }
    csv_buf_free(&b);
    if (st != SANTA_OK)
        return st;
    /* Step 2, the commit point: the rename inside this rewrite. */
    return csv_store_set_drawn(cs, exchange_id, true, new_gen);
}
