/*
 * remind.c - stage 01's reminder loop (see remind.h): read the batch, then
 * for each row find the name and send, in one thread, N threads or N forked
 * processes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv_table.h"
#include "remind.h"
#include "santa/alloc.h"
#include "santa/arena.h"
#include "santa/log.h"
#include "store_csv_rows.h"

/* The batch and the exchange: bounded like the store's scratch memory. */
#define REMIND_ARENA_LIMIT (256u << 20)

struct job {
    const char *participant_id;
    const char *email;
};

/* The --index fix: participant id -> name, open addressing, 2x oversized. */
struct name_index {
    const char **ids, **names;
    size_t cap;
};

struct remind {
    const struct csv_remind_options *o;
    int dirfd;
    struct santa_arena arena;
    struct santa_exchange ex;
    char batch_at[32]; /* queued_at of the batch */
    struct job *jobs;
    size_t njobs, jobs_cap;
    struct name_index idx;
    atomic_uint sent, failed;
};

static struct csv_table table_of(const struct remind *r, const char *file,
                                       const char *const *header, size_t ncols)
{
    return (struct csv_table){.file = file, .header = header, .ncols = ncols, .dirfd = r->dirfd};
}

/* ---- the exchange ------------------------------------------------------ */

static enum csv_visit visit_exchange(void *ctx, const struct csv_record *row)
{
    struct remind *r = ctx;
    if (strcmp(csv_record_field(row, EX_ID), r->o->exchange_id) != 0)
        return CSV_VISIT_NEXT;
    struct santa_exchange ex;
    uint64_t gen;
    if (!csv_store_row_exchange_decode(row, &ex, &gen) ||
        !csv_store_row_exchange_copy(&r->arena, &ex, &r->ex))
        return CSV_VISIT_ERROR;
    return CSV_VISIT_STOP;
}

/* ---- the batch: the outbox rows with the latest queued_at -------------- */

static enum csv_visit visit_outbox(void *ctx, const struct csv_record *row)
{
    struct remind *r = ctx;
    if (strcmp(csv_record_field(row, OB_EXCHANGE_ID), r->o->exchange_id) != 0)
        return CSV_VISIT_NEXT;
    const char *at = csv_record_field(row, OB_QUEUED_AT);
    /* ISO 8601 UTC compares as text; a later batch starts the list again. */
    int cmp = strcmp(at, r->batch_at);
    if (cmp < 0)
        return CSV_VISIT_NEXT;
    if (cmp > 0) {
        if (strlen(at) >= sizeof r->batch_at)
            return CSV_VISIT_ERROR;
        memcpy(r->batch_at, at, strlen(at) + 1);
        r->njobs = 0;
    }
    if (r->njobs == r->jobs_cap) {
        size_t cap = r->jobs_cap ? 2 * r->jobs_cap : 256;
        struct job *j = santa_realloc(r->jobs, cap * sizeof *j);
        if (!j)
            return CSV_VISIT_ERROR;
        r->jobs = j;
        r->jobs_cap = cap;
    }
    struct job *j = &r->jobs[r->njobs];
    j->participant_id = santa_arena_strdup(&r->arena, csv_record_field(row, OB_PARTICIPANT_ID));
    j->email = santa_arena_strdup(&r->arena, csv_record_field(row, OB_EMAIL));
    if (!j->participant_id || !j->email)
        return CSV_VISIT_ERROR;
    r->njobs++;
    return CSV_VISIT_NEXT;
}

/* ---- names: the slow lookup and the index ------------------------------ */

struct find_name {
    const char *id;
    char name[4 * 100 + 1];
    bool found;
};

static enum csv_visit visit_find_name(void *ctx, const struct csv_record *row)
{
    struct find_name *f = ctx;
    /* The whole row is decoded, as a script that loads each record would. */
    struct santa_participant p;
    if (!csv_store_row_participant_decode(row, &p))
        return CSV_VISIT_ERROR;
    if (strcmp(p.id, f->id) != 0)
        return CSV_VISIT_NEXT;
    snprintf(f->name, sizeof f->name, "%s", p.name);
    f->found = true;
    return CSV_VISIT_STOP;
}

/* The course's slow lookup: read participants.csv from the top, every time. */
static bool name_by_scan(const struct remind *r, const char *id, char *out, size_t cap)
{
    struct csv_table t = table_of(r, "participants.csv", csv_store_participant_header, PA_NCOLS);
    struct find_name f = {.id = id};
    if (csv_table_scan(&t, visit_find_name, &f) != SANTA_OK || !f.found)
        return false;
    snprintf(out, cap, "%s", f.name);
    return true;
}

static size_t hash_id(const char *s)
{
    size_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static enum csv_visit visit_index(void *ctx, const struct csv_record *row)
{
    struct remind *r = ctx;
    struct name_index *x = &r->idx;
    const char *id = csv_record_field(row, PA_ID);
    size_t i = hash_id(id) & (x->cap - 1);
    while (x->ids[i] && strcmp(x->ids[i], id) != 0)
        i = (i + 1) & (x->cap - 1);
    if (x->ids[i])
        return CSV_VISIT_NEXT;
    x->ids[i] = santa_arena_strdup(&r->arena, id);
    x->names[i] = santa_arena_strdup(&r->arena, csv_record_field(row, PA_NAME));
    return x->ids[i] && x->names[i] ? CSV_VISIT_NEXT : CSV_VISIT_ERROR;
}

static enum csv_visit visit_count(void *ctx, const struct csv_record *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return CSV_VISIT_NEXT;
}

static enum santa_status index_load(struct remind *r)
{
    struct csv_table t = table_of(r, "participants.csv", csv_store_participant_header, PA_NCOLS);
    size_t n = 0;
    enum santa_status st = csv_table_scan(&t, visit_count, &n);
    if (st != SANTA_OK)
        return st;
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    r->idx.cap = cap;
    r->idx.ids = santa_calloc(cap, sizeof *r->idx.ids);
    r->idx.names = santa_calloc(cap, sizeof *r->idx.names);
    if (!r->idx.ids || !r->idx.names)
        return SANTA_UNAVAILABLE;
    return csv_table_scan(&t, visit_index, r);
}

static bool name_by_index(const struct remind *r, const char *id, char *out, size_t cap)
{
    const struct name_index *x = &r->idx;
    for (size_t i = hash_id(id) & (x->cap - 1); x->ids[i]; i = (i + 1) & (x->cap - 1))
        if (strcmp(x->ids[i], id) == 0) {
            snprintf(out, cap, "%s", x->names[i]);
            return true;
        }
    return false;
}

/* ---- the loop ---------------------------------------------------------- */

/* The Message-ID key: exchange, participant and batch time, so sending the
 * same batch again produces the same Message-IDs. */
static void message_key(const struct remind *r, const struct job *j, char *out, size_t cap)
{
    char at[32];
    size_t k = 0;
    for (const char *c = r->batch_at; *c && k + 1 < sizeof at; c++)
        if ((*c >= '0' && *c <= '9') || *c == 'T' || *c == 'Z')
            at[k++] = *c;
    at[k] = '\0';
    snprintf(out, cap, "reminder.%s.%s.%s", r->ex.id, j->participant_id, at);
}

/* Rows first, first + stride, ... with one mailer. */
static void send_slice(struct remind *r, size_t first, size_t stride)
{
    char err[512];
    struct santa_mailer *m = NULL;
    if (santa_mailer_open(&r->o->mail, &m, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "remind: %s", err);
        for (size_t i = first; i < r->njobs; i += stride)
            atomic_fetch_add(&r->failed, 1);
        return;
    }
    for (size_t i = first; i < r->njobs; i += stride) {
        const struct job *j = &r->jobs[i];
        char name[4 * 100 + 1], key[128];
        bool found = r->o->index ? name_by_index(r, j->participant_id, name, sizeof name)
                                 : name_by_scan(r, j->participant_id, name, sizeof name);
        if (!found) {
            /* Removed since the batch was queued: nobody to remind. */
            atomic_fetch_add(&r->failed, 1);
            continue;
        }
        message_key(r, j, key, sizeof key);
        struct santa_reminder rem = {
            .exchange_id = r->ex.id,
            .exchange_name = r->ex.name,
            .budget = r->ex.budget,
            .exchange_date = r->ex.exchange_date,
            .to_name = name,
            .to_email = j->email,
            .message_key = key,
        };
        if (santa_mailer_send(m, &rem, err, sizeof err) == SANTA_OK) {
            atomic_fetch_add(&r->sent, 1);
        } else {
            atomic_fetch_add(&r->failed, 1);
            santa_log(SANTA_LOG_WARN, "remind: %s", err);
        }
    }
    santa_mailer_close(m);
}

struct slice {
    struct remind *r;
    size_t first, stride;
};

static void *slice_thread(void *arg)
{
    struct slice *s = arg;
    send_slice(s->r, s->first, s->stride);
    return NULL;
}

static void run_threads(struct remind *r, uint32_t n)
{
    pthread_t tids[256];
    struct slice sl[256];
    uint32_t started = 0;
    for (uint32_t k = 0; k < n && k < 256; k++) {
        sl[k] = (struct slice){r, k, n};
        if (pthread_create(&tids[k], NULL, slice_thread, &sl[k]) != 0)
            break;
        started++;
    }
    for (uint32_t k = started; k < n; k++)
        send_slice(r, k, n); /* a thread that did not start: its rows here */
    for (uint32_t k = 0; k < started; k++)
        pthread_join(tids[k], NULL);
}

/* Each child sends its slice and reports "sent failed" on a pipe. */
static void run_processes(struct remind *r, uint32_t n)
{
    pid_t pids[256];
    int fds[256];
    uint32_t started = 0;
    fflush(NULL);
    for (uint32_t k = 0; k < n && k < 256; k++) {
        int p[2];
        if (pipe(p) != 0)
            break;
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            atomic_store(&r->sent, 0);
            atomic_store(&r->failed, 0);
            send_slice(r, k, n);
            unsigned v[2] = {atomic_load(&r->sent), atomic_load(&r->failed)};
            ssize_t w = write(p[1], v, sizeof v);
            _exit(w == (ssize_t)sizeof v ? 0 : 1);
        }
        close(p[1]);
        if (pid < 0) {
            close(p[0]);
            break;
        }
        pids[started] = pid;
        fds[started++] = p[0];
    }
    for (uint32_t k = started; k < n; k++)
        send_slice(r, k, n);
    for (uint32_t k = 0; k < started; k++) {
        unsigned v[2] = {0, 0};
        ssize_t got = read(fds[k], v, sizeof v);
        close(fds[k]);
        int status;
        waitpid(pids[k], &status, 0);
        if (got != (ssize_t)sizeof v) {
            santa_log(SANTA_LOG_ERROR, "remind: child %d died; its share counts as failed",
                      (int)pids[k]);
            continue; /* its rows are counted from the total below */
        }
        atomic_fetch_add(&r->sent, v[0]);
        atomic_fetch_add(&r->failed, v[1]);
    }
}

enum santa_status csv_remind_run(const struct csv_remind_options *o,
                                 struct csv_remind_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct remind r = {.o = o};
    santa_arena_init(&r.arena, REMIND_ARENA_LIMIT);
    enum santa_status st = SANTA_OK;
    r.dirfd = open(o->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r.dirfd < 0) {
        snprintf(err, errlen, "cannot open the data folder %s", o->data_dir);
        st = SANTA_UNAVAILABLE;
        goto done;
    }
    struct csv_table ex = table_of(&r, "exchanges.csv", csv_store_exchange_header, EX_NCOLS);
    struct csv_table ob = table_of(&r, "outbox.csv", csv_store_outbox_header, OB_NCOLS);
    st = csv_table_scan(&ex, visit_exchange, &r);
    if (st == SANTA_OK && r.ex.id[0] == '\0')
        st = SANTA_NOT_FOUND;
    if (st == SANTA_OK)
        st = csv_table_scan(&ob, visit_outbox, &r);
    if (st == SANTA_OK && o->index)
        st = index_load(&r);
    if (st != SANTA_OK) {
        snprintf(err, errlen, "%s", st == SANTA_NOT_FOUND ? "no such exchange"
                                                          : "cannot read the CSV files");
        goto done;
    }
    if (o->processes > 0)
        run_processes(&r, o->processes);
    else if (o->threads > 1)
        run_threads(&r, o->threads);
    else
        send_slice(&r, 0, 1);
    out->rows = (uint32_t)r.njobs;
    out->sent = atomic_load(&r.sent);
    out->failed = out->rows - out->sent;
done:
    if (r.dirfd >= 0)
        close(r.dirfd);
    santa_free(r.jobs);
    santa_free(r.idx.ids);
    santa_free(r.idx.names);
    santa_arena_release(&r.arena);
    return st;
}
