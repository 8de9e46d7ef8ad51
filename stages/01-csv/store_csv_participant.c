/*
 * store_csv_participant.c - stage 01's participant operations: join, list,
 * get, remove, wishlist, exclusions. See store_csv_internal.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "csv_table.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/store_rules.h"
#include "santa/token.h"
#include "store_csv_internal.h"
#include "store_csv_rows.h"

struct join_check {
    const char *email_key;
    uint32_t count;
    bool email_taken;
};

static enum csv_visit visit_join_check(void *ctx, const struct santa_participant *p)
{
    struct join_check *j = ctx;
    j->count++;
    if (strcmp(p->email_key, j->email_key) == 0) {
        j->email_taken = true;
        return CSV_VISIT_STOP;
    }
    return CSV_VISIT_NEXT;
}

enum santa_status csv_store_participant_add(struct santa_store *s, struct santa_participant *p,
                                            uint32_t max_participants)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct csv_buf b;
    csv_buf_init(&b);
    struct santa_exchange ex;
    struct join_check j = {.email_key = p->email_key ? p->email_key : ""};

    csv_store_wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, p->exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, p->exchange_id, visit_join_check, &j);
    if (st == SANTA_OK) {
        struct santa_exchange_state es = {.drawn = ex.drawn, .participants = j.count};
        st = santa_rule_join(&es, j.email_taken, max_participants);
    }
    if (st == SANTA_OK) {
        struct santa_participant row = *p;
        row.seq = cs->next_seq;
        if (!csv_store_row_participant_encode(&b, &row)) {
            santa_log(SANTA_LOG_ERROR, "store csv: out of memory encoding a participant");
            st = SANTA_UNAVAILABLE;
        } else {
            st = csv_table_append(&cs->t[T_PARTICIPANTS], &b);
        }
        if (st == SANTA_OK) {
            p->seq = cs->next_seq++;
        }
    }
    csv_store_unlock(cs);
    csv_buf_free(&b);
    santa_arena_release(&scratch);
    return st;
}

struct list_page {
    uint64_t after_seq;
    uint32_t limit;
    struct santa_arena *a;
    struct santa_participant *items; /* heap, grown as needed */
    uint32_t count;
    uint32_t cap;
    bool more;
};

static enum csv_visit visit_list(void *ctx, const struct santa_participant *p)
{
    struct list_page *l = ctx;
    if (p->seq <= l->after_seq)
        return CSV_VISIT_NEXT;
    if (l->count == l->limit) {
        l->more = true;
        return CSV_VISIT_STOP;
    }
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? 2 * l->cap : 16;
        struct santa_participant *items = santa_realloc(l->items, cap * sizeof *items);
        if (!items) {
            santa_log(SANTA_LOG_ERROR, "store csv: out of memory listing participants");
            return CSV_VISIT_ERROR;
        }
        l->items = items;
        l->cap = cap;
    }
    if (!csv_store_row_participant_copy(l->a, p, &l->items[l->count])) {
        santa_log(SANTA_LOG_ERROR, "store csv: out of memory listing participants");
        return CSV_VISIT_ERROR;
    }
    l->count++;
    return CSV_VISIT_NEXT;
}

enum santa_status csv_store_participant_list(struct santa_store *s, const char *exchange_id,
                                             uint64_t after_seq, uint32_t limit,
                                             struct santa_arena *a,
                                             struct santa_participant_page *out)
{
    struct csv_store *cs = csv_store_of(s);
    struct list_page l = {.after_seq = after_seq, .limit = limit, .a = a};
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    memset(out, 0, sizeof *out);
    csv_store_rdlock(cs);
    /* An unknown exchange is NOT_FOUND, not an empty page. */
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, visit_list, &l);
    csv_store_unlock(cs);
    santa_arena_release(&scratch);
    if (st == SANTA_OK && l.count > 0) {
        out->items = santa_arena_alloc(a, l.count * sizeof *out->items);
        if (!out->items) {
            santa_log(SANTA_LOG_ERROR, "store csv: out of memory listing participants");
            st = SANTA_UNAVAILABLE;
        } else {
            memcpy(out->items, l.items, l.count * sizeof *out->items);
            out->count = l.count;
            out->next_seq = l.more ? l.items[l.count - 1].seq : 0;
        }
    }
    santa_free(l.items);
    return st;
}

enum santa_status csv_store_participant_get(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, struct santa_arena *a,
                                            struct santa_participant *out)
{
    struct csv_store *cs = csv_store_of(s);
    struct csv_store_find_two f = {.id = {participant_id, NULL}, .a = a};
    csv_store_rdlock(cs);
    enum santa_status st =
        csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    csv_store_unlock(cs);
    if (st != SANTA_OK)
        return st;
    if (!f.found[0])
        return SANTA_NOT_FOUND;
    *out = f.out[0];
    return SANTA_OK;
}

/* Drops the rows of one participant (participants.csv) or the exclusions
 * naming them (exclusions.csv). */
struct drop_participant {
    const char *exchange_id;
    const char *participant_id;
    bool exclusions; /* which table is being rewritten */
    uint32_t dropped;
};

static enum csv_edit edit_drop_participant(void *ctx, const struct csv_record *row,
                                           struct csv_buf *out)
{
    struct drop_participant *d = ctx;
    (void)out;
    bool hit;
    if (d->exclusions)
        hit = strcmp(csv_record_field(row, XC_EXCHANGE_ID), d->exchange_id) == 0 &&
              (strcmp(csv_record_field(row, XC_GIVER_ID), d->participant_id) == 0 ||
               strcmp(csv_record_field(row, XC_RECEIVER_ID), d->participant_id) == 0);
    else
        hit = strcmp(csv_record_field(row, PA_EXCHANGE_ID), d->exchange_id) == 0 &&
              strcmp(csv_record_field(row, PA_ID), d->participant_id) == 0;
    if (!hit)
        return CSV_EDIT_KEEP;
    d->dropped++;
    return CSV_EDIT_DROP;
}

struct exclusion_match {
    const char *exchange_id;
    const char *a, *b; /* the pair looked for, in either direction */
    bool ab, ba;       /* a -> b found, b -> a found */
};

static enum csv_visit visit_exclusion_match(void *ctx, const struct csv_record *row)
{
    struct exclusion_match *m = ctx;
    if (strcmp(csv_record_field(row, XC_EXCHANGE_ID), m->exchange_id) != 0)
        return CSV_VISIT_NEXT;
    const char *g = csv_record_field(row, XC_GIVER_ID);
    const char *r = csv_record_field(row, XC_RECEIVER_ID);
    if (m->b) {
        if (strcmp(g, m->a) == 0 && strcmp(r, m->b) == 0)
            m->ab = true;
        if (strcmp(g, m->b) == 0 && strcmp(r, m->a) == 0)
            m->ba = true;
    } else if (strcmp(g, m->a) == 0 || strcmp(r, m->a) == 0) {
        m->ab = true; /* some exclusion names a */
    }
    return (m->ab && (m->ba || !m->b)) ? CSV_VISIT_STOP : CSV_VISIT_NEXT;
}

enum santa_status csv_store_participant_remove(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct csv_store_find_two f = {.id = {participant_id, NULL}, .a = &scratch};
    struct exclusion_match m = {.exchange_id = exchange_id, .a = participant_id};

    csv_store_wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    if (st == SANTA_OK)
        st = santa_rule_remove(&(struct santa_exchange_state){.drawn = ex.drawn}, f.found[0]);
    if (st == SANTA_OK) {
        /* The participants rewrite is the commit point. Exclusions naming
         * them go second: if that step is lost, the leftover rows name nobody
         * and the draw ignores them (draw_plan.h), so nothing breaks. */
        struct drop_participant d = {.exchange_id = exchange_id, .participant_id = participant_id};
        st = csv_table_rewrite(&cs->t[T_PARTICIPANTS], edit_drop_participant, &d);
        if (st == SANTA_OK) {
            d.exclusions = true;
            if (csv_table_scan(&cs->t[T_EXCLUSIONS], visit_exclusion_match, &m) != SANTA_OK ||
                (m.ab &&
                 csv_table_rewrite(&cs->t[T_EXCLUSIONS], edit_drop_participant, &d) != SANTA_OK))
                santa_log(SANTA_LOG_WARN, "store csv: participant removed but its exclusions "
                                          "remain (harmless; see log above)");
        }
    }
    csv_store_unlock(cs);
    santa_arena_release(&scratch);
    return st;
}

struct set_wishlist {
    const char *exchange_id;
    const char *participant_id;
    const char *wishlist;
};

static enum csv_edit edit_set_wishlist(void *ctx, const struct csv_record *row, struct csv_buf *out)
{
    struct set_wishlist *w = ctx;
    if (strcmp(csv_record_field(row, PA_EXCHANGE_ID), w->exchange_id) != 0 ||
        strcmp(csv_record_field(row, PA_ID), w->participant_id) != 0)
        return CSV_EDIT_KEEP;
    struct santa_participant p;
    if (!csv_store_row_participant_decode(row, &p)) {
        csv_store_corrupt_row("participants.csv");
        return CSV_EDIT_ERROR;
    }
    p.wishlist = w->wishlist;
    return csv_store_row_participant_encode(out, &p) ? CSV_EDIT_REPLACE : CSV_EDIT_ERROR;
}

enum santa_status csv_store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                         const char *participant_id, const char *wishlist)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct csv_store_find_two f = {.id = {participant_id, NULL}, .a = &scratch};
    csv_store_wrlock(cs);
    enum santa_status st =
        csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    if (st == SANTA_OK && !f.found[0])
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK) {
        struct set_wishlist w = {.exchange_id = exchange_id,
                                 .participant_id = participant_id,
                                 .wishlist = wishlist ? wishlist : ""};
        st = csv_table_rewrite(&cs->t[T_PARTICIPANTS], edit_set_wishlist, &w);
    }
    csv_store_unlock(cs);
    santa_arena_release(&scratch);
    return st;
}

static bool add_exclusion_row(struct csv_buf *b, const char *exchange_id, const char *giver,
                              const char *receiver)
{
    const char *f[XC_NCOLS] = {
        [XC_EXCHANGE_ID] = exchange_id,
        [XC_GIVER_ID] = giver,
        [XC_RECEIVER_ID] = receiver,
    };
    return csv_buf_add_record(b, f, XC_NCOLS);
}

enum santa_status csv_store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                          const char *giver_id, const char *receiver_id,
                                          bool mutual)
{
    struct csv_store *cs = csv_store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct csv_store_find_two f = {.id = {giver_id, receiver_id}, .a = &scratch};
    struct exclusion_match m = {.exchange_id = exchange_id, .a = giver_id, .b = receiver_id};
    struct csv_buf b;
    csv_buf_init(&b);

    csv_store_wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    if (st == SANTA_OK)
        st = santa_rule_exclusion(&(struct santa_exchange_state){.drawn = ex.drawn}, f.found[0],
                                  f.found[1]);
    if (st == SANTA_OK)
        st = csv_table_scan(&cs->t[T_EXCLUSIONS], visit_exclusion_match, &m);
    if (st == SANTA_OK) {
        /* Only the missing directions are written: an existing exclusion
         * makes this a no-op that still succeeds. */
        bool ok = true;
        if (!m.ab)
            ok = add_exclusion_row(&b, exchange_id, giver_id, receiver_id);
        if (ok && mutual && !m.ba && strcmp(giver_id, receiver_id) != 0)
            ok = add_exclusion_row(&b, exchange_id, receiver_id, giver_id);
        if (!ok) {
            santa_log(SANTA_LOG_ERROR, "store csv: out of memory encoding an exclusion");
            st = SANTA_UNAVAILABLE;
        } else {
            st = csv_table_append(&cs->t[T_EXCLUSIONS], &b);
        }
    }
    csv_store_unlock(cs);
    csv_buf_free(&b);
    santa_arena_release(&scratch);
    return st;
}
