/*
 * store_csv.c - the operations of stage 01's store over five CSV files.
 *
 * Every operation takes the store's rwlock (shared for reads, exclusive for
 * anything that writes, so each check-then-write is atomic), then scans the
 * files it needs from the top. File mechanics (append + fdatasync, temp +
 * rename, recovery) live in csv_table.c, row layouts in store_csv_rows.c,
 * the shared scans in store_csv_lookup.c and the draw in store_csv_draw.c.
 * The operations follow the order of struct santa_store_ops, and the table
 * that names them ends the file.
 */
#include "store_csv.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv_table.h"
#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/token.h"
#include "store_csv_dir.h"
#include "store_csv_internal.h"
#include "store_csv_rows.h"

static const struct santa_store_ops csv_store_ops;

static struct csv_store *store_of(struct santa_store *s)
{
    return (struct csv_store *)s;
}

static void rdlock(struct csv_store *cs)
{
    pthread_rwlock_rdlock(&cs->lock);
}

static void wrlock(struct csv_store *cs)
{
    pthread_rwlock_wrlock(&cs->lock);
}

static void unlock(struct csv_store *cs)
{
    pthread_rwlock_unlock(&cs->lock);
}

/* ---- close (first in santa_store_ops) ---------------------------------- */

static void store_close(struct santa_store *s)
{
    struct csv_store *cs = store_of(s);
    pthread_rwlock_destroy(&cs->lock);
    if (cs->dirfd >= 0)
        close(cs->dirfd);
    if (cs->lockfd >= 0)
        close(cs->lockfd); /* releases the flock */
    santa_free(cs);
}

/* ---- the operations, in the order of struct santa_store_ops ------------- */

static enum santa_status store_ping(struct santa_store *s)
{
    struct csv_store *cs = store_of(s);
    enum santa_status st = SANTA_OK;
    rdlock(cs);
    for (int i = 0; i < T_COUNT; i++) {
        /* A table that lost an fsync takes no writes: not ready. */
        if (cs->t[i].broken || faccessat(cs->dirfd, cs->t[i].file, R_OK | W_OK, 0) != 0) {
            santa_log(SANTA_LOG_WARN, "store csv: ping: %s is not usable", cs->t[i].file);
            st = SANTA_UNAVAILABLE;
            break;
        }
    }
    unlock(cs);
    return st;
}

static enum santa_status store_exchange_create(struct santa_store *s,
                                               const struct santa_exchange *ex)
{
    struct csv_store *cs = store_of(s);
    struct santa_exchange row = *ex;
    row.drawn = false; /* a new exchange is open, whatever the caller set */
    struct csv_buf b;
    csv_buf_init(&b);
    if (!csv_store_row_exchange_encode(&b, &row, 0)) {
        santa_log(SANTA_LOG_ERROR, "store csv: out of memory encoding an exchange");
        return SANTA_UNAVAILABLE;
    }
    wrlock(cs);
    enum santa_status st = csv_table_append(&cs->t[T_EXCHANGES], &b);
    unlock(cs);
    csv_buf_free(&b);
    return st;
}

static enum santa_status store_exchange_get(struct santa_store *s, const char *id,
                                            struct santa_arena *a, struct santa_exchange *out)
{
    struct csv_store *cs = store_of(s);
    rdlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, id, a, out, NULL);
    if (st == SANTA_OK) {
        out->participant_count = 0;
        st = csv_store_scan_participants(cs, id, csv_store_count_participant,
                                         &out->participant_count);
    }
    unlock(cs);
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

static enum santa_status store_principal_find(struct santa_store *s,
                                              const struct santa_hash *token_hash,
                                              struct santa_principal *out)
{
    struct csv_store *cs = store_of(s);
    struct find_principal f = {.hash = token_hash, .out = out};
    rdlock(cs);
    enum santa_status st = csv_table_scan(&cs->t[T_EXCHANGES], visit_admin_hash, &f);
    if (st == SANTA_OK && !f.found)
        st = csv_table_scan(&cs->t[T_PARTICIPANTS], visit_token_hash, &f);
    unlock(cs);
    if (st == SANTA_OK && !f.found)
        st = SANTA_NOT_FOUND;
    return st;
}

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

static enum santa_status store_participant_add(struct santa_store *s, struct santa_participant *p,
                                               uint32_t max_participants)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct csv_buf b;
    csv_buf_init(&b);
    struct santa_exchange ex;
    struct join_check j = {.email_key = p->email_key ? p->email_key : ""};

    wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, p->exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK && ex.drawn)
        st = SANTA_ALREADY_DRAWN;
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, p->exchange_id, visit_join_check, &j);
    if (st == SANTA_OK && j.email_taken)
        st = SANTA_EMAIL_TAKEN;
    if (st == SANTA_OK && j.count >= max_participants)
        st = SANTA_EXCHANGE_FULL;
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
    unlock(cs);
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

static enum santa_status store_participant_list(struct santa_store *s, const char *exchange_id,
                                                uint64_t after_seq, uint32_t limit,
                                                struct santa_arena *a,
                                                struct santa_participant_page *out)
{
    struct csv_store *cs = store_of(s);
    struct list_page l = {.after_seq = after_seq, .limit = limit, .a = a};
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    memset(out, 0, sizeof *out);
    rdlock(cs);
    /* An unknown exchange is NOT_FOUND, not an empty page. */
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, visit_list, &l);
    unlock(cs);
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

static enum santa_status store_participant_get(struct santa_store *s, const char *exchange_id,
                                               const char *participant_id, struct santa_arena *a,
                                               struct santa_participant *out)
{
    struct csv_store *cs = store_of(s);
    struct csv_store_find_two f = {.id = {participant_id, NULL}, .a = a};
    rdlock(cs);
    enum santa_status st =
        csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    unlock(cs);
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
    const char *a, *b;  /* the pair looked for, in either direction */
    bool ab, ba;        /* a -> b found, b -> a found */
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

static enum santa_status store_participant_remove(struct santa_store *s, const char *exchange_id,
                                                  const char *participant_id)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct csv_store_find_two f = {.id = {participant_id, NULL}, .a = &scratch};
    struct exclusion_match m = {.exchange_id = exchange_id, .a = participant_id};

    wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    if (st == SANTA_OK && !f.found[0])
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && ex.drawn)
        st = SANTA_ALREADY_DRAWN;
    if (st == SANTA_OK) {
        /* The participants rewrite is the commit point. Exclusions naming
         * them go second: if that step is lost, the leftover rows name nobody
         * and the draw ignores them (draw_plan.h), so nothing breaks. */
        struct drop_participant d = {.exchange_id = exchange_id,
                                     .participant_id = participant_id};
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
    unlock(cs);
    santa_arena_release(&scratch);
    return st;
}

struct set_wishlist {
    const char *exchange_id;
    const char *participant_id;
    const char *wishlist;
};

static enum csv_edit edit_set_wishlist(void *ctx, const struct csv_record *row,
                                       struct csv_buf *out)
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

static enum santa_status store_wishlist_set(struct santa_store *s, const char *exchange_id,
                                            const char *participant_id, const char *wishlist)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct csv_store_find_two f = {.id = {participant_id, NULL}, .a = &scratch};
    wrlock(cs);
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
    unlock(cs);
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

static enum santa_status store_exclusion_add(struct santa_store *s, const char *exchange_id,
                                             const char *giver_id, const char *receiver_id,
                                             bool mutual)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct csv_store_find_two f = {.id = {giver_id, receiver_id}, .a = &scratch};
    struct exclusion_match m = {.exchange_id = exchange_id, .a = giver_id, .b = receiver_id};
    struct csv_buf b;
    csv_buf_init(&b);

    wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    if (st == SANTA_OK && (!f.found[0] || !f.found[1]))
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK && ex.drawn)
        st = SANTA_ALREADY_DRAWN;
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
    unlock(cs);
    csv_buf_free(&b);
    santa_arena_release(&scratch);
    return st;
}


static enum santa_status store_draw(struct santa_store *s, const char *exchange_id,
                                    struct santa_draw_plan *plan)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    wrlock(cs);
    enum santa_status st = csv_store_draw_locked(cs, exchange_id, plan, &scratch);
    unlock(cs);
    santa_arena_release(&scratch);
    return st;
}

static enum csv_edit edit_drop_assignments(void *ctx, const struct csv_record *row,
                                           struct csv_buf *out)
{
    (void)out;
    return strcmp(csv_record_field(row, AS_EXCHANGE_ID), ctx) == 0 ? CSV_EDIT_DROP
                                                                    : CSV_EDIT_KEEP;
}

static enum santa_status store_undraw(struct santa_store *s, const char *exchange_id)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    uint64_t gen;
    wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, &gen);
    if (st == SANTA_OK && ex.drawn) {
        /* Reopening is the commit; it keeps draw_gen so the old rows stay
         * dead even if the compaction below never happens. */
        st = csv_store_set_drawn(cs, exchange_id, false, gen);
        if (st == SANTA_OK &&
            csv_table_rewrite(&cs->t[T_ASSIGNMENTS], edit_drop_assignments,
                              (void *)exchange_id) != SANTA_OK)
            santa_log(SANTA_LOG_WARN, "store csv: undraw committed; stale assignment rows "
                                      "remain (ignored by reads)");
    }
    unlock(cs);
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

static enum santa_status store_assignment_get(struct santa_store *s, const char *exchange_id,
                                              const char *giver_id, struct santa_arena *a,
                                              struct santa_assignment *out)
{
    struct csv_store *cs = store_of(s);
    struct santa_arena scratch;
    santa_arena_init(&scratch, STORE_SCRATCH_LIMIT);
    struct santa_exchange ex;
    struct find_assignment fa = {.exchange_id = exchange_id, .giver_id = giver_id};
    struct csv_store_find_two f = {.id = {giver_id, NULL}, .a = a};
    rdlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, &fa.gen);
    if (st == SANTA_OK && ex.drawn) {
        st = csv_table_scan(&cs->t[T_ASSIGNMENTS], visit_find_assignment, &fa);
        if (fa.found)
            f.id[1] = fa.recipient;
    }
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, csv_store_find_two_visit, &f);
    unlock(cs);
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

static enum santa_status store_reminders_queue(struct santa_store *s, const char *exchange_id,
                                               uint32_t *queued)
{
    struct csv_store *cs = store_of(s);
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

    wrlock(cs);
    enum santa_status st = csv_store_find_exchange(cs, exchange_id, &scratch, &ex, NULL);
    if (st == SANTA_OK)
        st = csv_store_scan_participants(cs, exchange_id, visit_queue_reminder, &q);
    if (st == SANTA_OK)
        st = csv_table_append(&cs->t[T_OUTBOX], &b); /* all or nothing: one write */
    unlock(cs);
    if (st == SANTA_OK)
        *queued = q.count;
    csv_buf_free(&b);
    santa_arena_release(&scratch);
    return st;
}


/* ---- open -------------------------------------------------------------- */

static enum csv_visit visit_max_seq(void *ctx, const struct csv_record *row)
{
    uint64_t seq;
    if (!csv_store_parse_u64(csv_record_field(row, PA_SEQ), &seq))
        return csv_store_corrupt_row("participants.csv");
    uint64_t *max = ctx;
    if (seq > *max)
        *max = seq;
    return CSV_VISIT_NEXT;
}

enum santa_status csv_store_open(const struct csv_store_options *o, struct santa_store **out,
                                 char *err, size_t errlen)
{
    *out = NULL;
    struct csv_store *cs = santa_calloc(1, sizeof *cs);
    if (!cs) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    cs->base.ops = &csv_store_ops;
    cs->dirfd = cs->lockfd = -1;
    /* glibc's rwlock prefers readers by default: with every request reading
     * (authentication scans), a steady stream of reads would starve joins. */
    pthread_rwlockattr_t attr;
    int rc = pthread_rwlockattr_init(&attr);
    if (rc == 0) {
        pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
        rc = pthread_rwlock_init(&cs->lock, &attr);
        pthread_rwlockattr_destroy(&attr);
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the store lock");
        santa_free(cs);
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = csv_store_dir_open(o->data_dir, &cs->dirfd, &cs->lockfd, err, errlen);
    if (st != SANTA_OK) {
        store_close(&cs->base);
        return st;
    }
    static const struct {
        const char *file;
        const char *const *header;
        size_t ncols;
    } layout[T_COUNT] = {
        [T_EXCHANGES] = {"exchanges.csv", csv_store_exchange_header, EX_NCOLS},
        [T_PARTICIPANTS] = {"participants.csv", csv_store_participant_header, PA_NCOLS},
        [T_EXCLUSIONS] = {"exclusions.csv", csv_store_exclusion_header, XC_NCOLS},
        [T_ASSIGNMENTS] = {"assignments.csv", csv_store_assignment_header, AS_NCOLS},
        [T_OUTBOX] = {"outbox.csv", csv_store_outbox_header, OB_NCOLS},
    };
    uint64_t max_seq = 0;
    for (int i = 0; i < T_COUNT && st == SANTA_OK; i++) {
        cs->t[i] = (struct csv_table){.file = layout[i].file,
                                      .header = layout[i].header,
                                      .ncols = layout[i].ncols,
                                      .dirfd = cs->dirfd};
        st = csv_table_recover(&cs->t[i], i == T_PARTICIPANTS ? visit_max_seq : NULL, &max_seq,
                               err, errlen);
    }
    if (st != SANTA_OK) {
        store_close(&cs->base);
        return st;
    }
    cs->next_seq = max_seq + 1;
    santa_log(SANTA_LOG_INFO, "store csv: opened %s (next participant seq %" PRIu64 ")",
              o->data_dir, cs->next_seq);
    *out = &cs->base;
    return SANTA_OK;
}

static const struct santa_store_ops csv_store_ops = {
    .name = "csv",
    .close = store_close,
    .thread_stop = NULL,
    .ping = store_ping,
    .exchange_create = store_exchange_create,
    .exchange_get = store_exchange_get,
    .principal_find = store_principal_find,
    .participant_add = store_participant_add,
    .participant_list = store_participant_list,
    .participant_get = store_participant_get,
    .participant_remove = store_participant_remove,
    .wishlist_set = store_wishlist_set,
    .exclusion_add = store_exclusion_add,
    .draw = store_draw,
    .undraw = store_undraw,
    .assignment_get = store_assignment_get,
    .reminders_queue = store_reminders_queue,
};
