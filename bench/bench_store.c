/*
 * bench_store.c - santa-bench-store: what a store operation costs, below
 * HTTP, for stage 02 (SQLite, in-process) and stage 03 (PostgreSQL, a
 * loopback round trip away), measured in one run.
 *
 *   santa-bench-store --sqlite DIR --pg CONNINFO [--seconds S] [--threads T]
 *
 * For each store, on a fresh database: exchange_get of one exchange
 * (a read: in-process page cache vs a network round trip), first on one
 * thread, then on T; and participant_add, each thread joining people to
 * its own exchange (concurrent writers: SQLite takes one writer at a time,
 * PostgreSQL locks only the exchange row). Prints ops/s, mean and p99 per
 * operation, and how many calls the store refused (SANTA_UNAVAILABLE, the
 * API's 503). Every figure comes from the same run, so their ratios hold on
 * a noisy machine even when the absolute numbers do not.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instrument/hist.h"
#include "santa/log.h"
#include "santa/token.h"
#include "store_postgres.h"
#include "store_sqlite.h"

#define MAX_THREADS 64

struct job {
    struct santa_store *store;
    const char *exchange_id; /* for reads */
    bool write;
    int thread;
    double seconds;
    uint64_t ops, errors;
    struct inst_hist *hist;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fill_hash(struct santa_hash *h, uint32_t a, uint32_t b, uint8_t kind)
{
    memset(h->b, kind, SANTA_HASH_LEN);
    memcpy(h->b, &a, sizeof a);
    memcpy(h->b + 4, &b, sizeof b);
    h->b[8] = (uint8_t)(now_ns() & 0xff); /* distinct across runs on one database */
    uint64_t t = now_ns();
    memcpy(h->b + 9, &t, sizeof t);
}

static enum santa_status make_exchange(struct santa_store *s, uint32_t n, char id[SANTA_ID_LEN + 1])
{
    struct santa_exchange ex;
    memset(&ex, 0, sizeof ex);
    if (santa_id_new(ex.id) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    ex.name = "bench";
    fill_hash(&ex.admin_hash, n, 0, 1);
    fill_hash(&ex.invite_hash, n, 0, 2);
    enum santa_status st = s->ops->exchange_create(s, &ex);
    memcpy(id, ex.id, SANTA_ID_LEN + 1);
    return st;
}

static void *run(void *arg)
{
    struct job *j = arg;
    char own[SANTA_ID_LEN + 1] = "";
    if (j->write && make_exchange(j->store, 1000u + (uint32_t)j->thread, own) != SANTA_OK) {
        j->errors++;
        return NULL;
    }
    uint64_t end = now_ns() + (uint64_t)(j->seconds * 1e9);
    struct santa_arena arena;
    santa_arena_init(&arena, 1 << 20);
    char email[64];
    for (uint32_t i = 0;; i++) {
        uint64_t t = now_ns();
        if (t >= end)
            break;
        enum santa_status st;
        if (j->write) {
            struct santa_participant p;
            memset(&p, 0, sizeof p);
            santa_id_new(p.id);
            memcpy(p.exchange_id, own, sizeof own);
            snprintf(email, sizeof email, "p%u@example.org", i);
            p.name = "Bench Person";
            p.email = p.email_key = email;
            p.wishlist = "";
            fill_hash(&p.token_hash, (uint32_t)j->thread, i, 3);
            st = j->store->ops->participant_add(j->store, &p, 100000);
        } else {
            struct santa_exchange ex;
            st = j->store->ops->exchange_get(j->store, j->exchange_id, &arena, &ex);
            santa_arena_release(&arena);
        }
        inst_hist_record(j->hist, now_ns() - t);
        if (st == SANTA_OK)
            j->ops++;
        else
            j->errors++;
    }
    santa_arena_release(&arena);
    if (j->store->ops->thread_stop)
        j->store->ops->thread_stop(j->store);
    return NULL;
}

static int measure(const char *name, struct santa_store *s, const char *exchange_id, bool write,
                   int threads, double seconds)
{
    struct job jobs[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    struct inst_hist *all = calloc(1, sizeof *all);
    if (!all)
        return -1;
    inst_hist_init(all);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){.store = s,
                               .exchange_id = exchange_id,
                               .write = write,
                               .thread = i,
                               .seconds = seconds};
        jobs[i].hist = calloc(1, sizeof *jobs[i].hist);
        if (!jobs[i].hist)
            return -1;
        inst_hist_init(jobs[i].hist);
    }
    uint64_t t0 = now_ns();
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, run, &jobs[i]);
    uint64_t ops = 0, errors = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        ops += jobs[i].ops;
        errors += jobs[i].errors;
        inst_hist_merge(all, jobs[i].hist);
        free(jobs[i].hist);
    }
    double elapsed = (double)(now_ns() - t0) / 1e9;
    printf("%-9s %-16s %7d %10.0f %10.1f %10.1f %7llu\n", name,
           write ? "participant_add" : "exchange_get", threads, (double)ops / elapsed,
           inst_hist_mean(all) / 1e3, (double)inst_hist_percentile(all, 99) / 1e3,
           (unsigned long long)errors);
    fflush(stdout);
    free(all);
    /* Refusals are a figure (SQLite's busy timeout running out under eight
     * writers on a loaded machine is the lesson), printed, not a failure. */
    return 0;
}

static int bench_store(const char *name, struct santa_store *s, int threads, double seconds)
{
    char id[SANTA_ID_LEN + 1];
    if (make_exchange(s, 1, id) != SANTA_OK) {
        fprintf(stderr, "santa-bench-store: %s: cannot create an exchange\n", name);
        return 1;
    }
    int rc = 0;
    rc |= measure(name, s, id, false, 1, seconds);
    rc |= measure(name, s, id, false, threads, seconds);
    rc |= measure(name, s, id, true, 1, seconds);
    rc |= measure(name, s, id, true, threads, seconds);
    return rc;
}

int main(int argc, char **argv)
{
    const char *sqlite_dir = NULL, *pg = NULL;
    double seconds = 3;
    int threads = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--sqlite") == 0)
            sqlite_dir = argv[i + 1];
        else if (strcmp(argv[i], "--pg") == 0)
            pg = argv[i + 1];
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = (int)strtol(argv[i + 1], NULL, 10);
    }
    if ((!sqlite_dir && !pg) || seconds <= 0 || seconds > 600 || threads < 1 ||
        threads > MAX_THREADS) {
        fprintf(stderr,
                "usage: %s [--sqlite DIR] [--pg CONNINFO] [--seconds S (<= 600)] "
                "[--threads T (1..%d)]\n",
                argv[0], MAX_THREADS);
        return 2;
    }
    if (santa_token_init() != SANTA_OK)
        return 1;
    printf("store operations, %.0f s each, one run (mean and p99 in microseconds)\n", seconds);
    printf("%-9s %-16s %7s %10s %10s %10s %7s\n", "store", "operation", "threads", "ops/s",
           "mean_us", "p99_us", "errors");
    int rc = 0;
    char err[512];
    struct santa_store *s = NULL;
    if (sqlite_dir) {
        struct sqlite_store_options o = {.data_dir = sqlite_dir};
        if (sqlite_store_open(&o, &s, err, sizeof err) != SANTA_OK) {
            fprintf(stderr, "santa-bench-store: sqlite: %s\n", err);
            return 1;
        }
        rc |= bench_store("sqlite", s, threads, seconds);
        santa_store_close(s);
    }
    if (pg) {
        struct postgres_store_options o = {.conninfo = pg};
        if (postgres_store_open(&o, &s, err, sizeof err) != SANTA_OK) {
            fprintf(stderr, "santa-bench-store: postgres: %s\n", err);
            return 1;
        }
        rc |= bench_store("postgres", s, threads, seconds);
        santa_store_close(s);
    }
    return rc;
}
