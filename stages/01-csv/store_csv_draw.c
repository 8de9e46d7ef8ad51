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
                                        struct santa_draw_plan *plan, struct santa_arena *scratch)
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

/* ---- the operations ---------------------------------------------------- */

enum santa_status csv_store_draw(struct santa_store *s, const char *exchange_id,
                                 struct santa_draw_plan *plan)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    csv_store_wrlock(cs);
    enum santa_status st = csv_store_draw_locked(cs, exchange_id, plan, &scratch);
    csv_store_unlock(cs);
    santa_arena_release(&scratch);
    return st;
}

static enum csv_edit edit_drop_assignments(void *ctx, const struct csv_record *row,
                                           struct csv_buf *out)
{
    (void)out;
    return strcmp(csv_record_field(row, AS_EXCHANGE_ID), ctx) == 0 ? CSV_EDIT_DROP : CSV_EDIT_KEEP;
}

enum santa_status csv_store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    uint64_t gen;
    csv_store_wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, &gen);
    if (st == SANTA_OK && ex.drawn) {
        /* Reopening is the commit; it keeps draw_gen so the old rows stay
         * dead even if the compaction below never happens. */
        st = csv_store_set_drawn(cs, exchange_id, false, gen);
        if (st == SANTA_OK && csv_table_rewrite(&cs->t[T_ASSIGNMENTS], edit_drop_assignments,
                                                (void *)exchange_id) != SANTA_OK)
            santa_log(SANTA_LOG_WARN, "store csv: undraw committed; stale assignment rows "
                                      "remain (ignored by reads)");
    }
    csv_store_unlock(cs);
    santa_arena_release(&scratch);
    return st;
}

struct find_assignment {
    const char *exchange_id;
    const char *giver_id;
    uint64_t gen;
    char recipient[SANTA_ID_LEN + 1];
    bool found;
};

static enum csv_visit visit_find_assignment(void *ctx, const struct csv_record *row)
{
    struct find_assignment *f = ctx;
    if (strcmp(csv_record_field(row, AS_EXCHANGE_ID), f->exchange_id) != 0 ||
        strcmp(csv_record_field(row, AS_GIVER_ID), f->giver_id) != 0)
        return CSV_VISIT_NEXT;
    uint64_t gen;
    if (!csv_store_parse_u64(csv_record_field(row, AS_DRAW_GEN), &gen))
        return csv_store_corrupt_row("assignments.csv");
    if (gen != f->gen)
        return CSV_VISIT_NEXT; /* a dead draw */
    const char *r = csv_record_field(row, AS_RECIPIENT_ID);
    if (strlen(r) != SANTA_ID_LEN)
        return csv_store_corrupt_row("assignments.csv");
    memcpy(f->recipient, r, SANTA_ID_LEN + 1);
    f->found = true;
    return CSV_VISIT_STOP;
}

enum santa_status csv_store_assignment_get(struct santa_store *s, const char *exchange_id,
                                           const char *giver_id, struct santa_arena *a,
                                           struct santa_assignment *out)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct find_assignment fa = {.exchange_id = exchange_id, .giver_id = giver_id};
    struct csv_store_find_two f = {.id = {giver_id, NULL}, .a = a};
    csv_store_rdlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, &fa.gen);
    if (st == SANTA_OK && ex.drawn) {
        st = csv_table_scan(&cs->t[T_ASSIGNMENTS], visit_find_assignment, &fa);
        if (fa.found)
            f.id[1] = fa.recipient;
    }
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    csv_store_unlock(cs);
    if (st == SANTA_OK && !f.found[0])
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && !ex.drawn)
        st = SANTA_NOT_DRAWN;
    if (st == SANTA_OK && (!fa.found || !f.found[1])) {
        /* A drawn giver without a recipient: the files are corrupt. */
        santa_log(SANTA_LOG_ERROR, "store csv: drawn exchange %s has no assignment for %s",
                  exchange_id, giver_id);
        st = SANTA_UNAVAILABLE;
    }
    if (st == SANTA_OK) {
        memset(out, 0, sizeof *out);
        memcpy(out->giver_id, f.out[0].id, SANTA_ID_LEN + 1);
        out->giver_name = f.out[0].name;
        memcpy(out->recipient_id, f.out[1].id, SANTA_ID_LEN + 1);
        out->recipient_name = f.out[1].name;
        out->recipient_wishlist = f.out[1].wishlist;
    }
    santa_arena_release(&scratch);
    return st;
}

struct queue_reminders {
    struct csv_buf *b;
    const char *queued_at;
    uint32_t count;
};

static enum csv_visit visit_queue_reminder(void *ctx, const struct santa_participant *p)
{
    struct queue_reminders *q = ctx;
    const char *f[OB_NCOLS] = {
        [OB_EXCHANGE_ID] = p->exchange_id,
        [OB_PARTICIPANT_ID] = p->id,
        [OB_EMAIL] = p->email,
        [OB_QUEUED_AT] = q->queued_at,
    };
    if (!csv_buf_add_record(q->b, f, OB_NCOLS)) {
        santa_log(SANTA_LOG_ERROR, "store csv: out of memory queueing reminders");
        return CSV_VISIT_ERROR;
    }
    q->count++;
    return CSV_VISIT_NEXT;
}

enum santa_status csv_store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                            uint32_t *queued)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct csv_buf b;
    csv_buf_init(&b);
    char when[32];
    struct tm tm;
    time_t now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct queue_reminders q = {.b = &b, .queued_at = when};
    *queued = 0;

    csv_store_wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, visit_queue_reminder, &q);
    if (st == SANTA_OK)
        st = csv_table_append(&cs->t[T_OUTBOX], &b); /* all or nothing: one write */
    csv_store_unlock(cs);
    if (st == SANTA_OK)
        *queued = q.count;
    csv_buf_free(&b);
    santa_arena_release(&scratch);
    return st;
}
