/*
 * store_csv.c - the operations of stage 01's store over five CSV files.
 *
 * Every operation takes the store's rwlock (shared for reads, exclusive for
 * anything that writes, so each check-then-write is atomic), then scans the
 * files it needs from the top. This file holds the store itself (close,
 * ping, open, the ops table); the operations live by group in
 * store_csv_exchange.c, store_csv_participant.c and store_csv_draw.c, as
 * stages 02 and 03 cut theirs. File mechanics (append + fdatasync, temp +
 * rename, recovery) live in csv_table.c, row layouts in store_csv_rows.c and
 * the shared scans in store_csv_lookup.c.
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

/* ---- close (first in santa_store_ops) ---------------------------------- */

static void store_close(struct santa_store *s)
{
    struct csv_store *cs = csv_store_of(s);
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
    struct csv_store *cs = csv_store_of(s);
    enum santa_status st = SANTA_OK;
    csv_store_rdlock(cs);
    for (int i = 0; i < T_COUNT; i++) {
        /* A table that lost an fsync takes no writes: not ready. */
        if (cs->t[i].broken || faccessat(cs->dirfd, cs->t[i].file, R_OK | W_OK, 0) != 0) {
            santa_log(SANTA_LOG_WARN, "store csv: ping: %s is not usable", cs->t[i].file);
            st = SANTA_UNAVAILABLE;
            break;
        }
    }
    csv_store_unlock(cs);
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
        st = csv_table_recover(&cs->t[i], i == T_PARTICIPANTS ? visit_max_seq : NULL, &max_seq, err,
                               errlen);
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
    .exchange_create = csv_store_exchange_create,
    .exchange_get = csv_store_exchange_get,
    .principal_find = csv_store_principal_find,
    .participant_add = csv_store_participant_add,
    .participant_list = csv_store_participant_list,
    .participant_get = csv_store_participant_get,
    .participant_remove = csv_store_participant_remove,
    .wishlist_set = csv_store_wishlist_set,
    .exclusion_add = csv_store_exclusion_add,
    .draw = csv_store_draw,
    .undraw = csv_store_undraw,
    .assignment_get = csv_store_assignment_get,
    .reminders_queue = csv_store_reminders_queue,
};
