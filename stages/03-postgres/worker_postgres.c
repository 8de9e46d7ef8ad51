/*
 * santa-worker-03-postgres - sends the reminders stage 03 queued in its
 * outbox table (worker.h).
 *
 * The queue is the store itself: each queue instance (one per worker
 * thread) opens stage 03's store on the server's database, as the server
 * does (migrations included, so a worker started first finds the columns
 * it needs), and its operations are the store's outbox operations
 * (sql_store_outbox.h: how a claim works, and why it is durable once
 * answered).
 */
#include <stddef.h>

#include "santa/worker.h"
#include "store_postgres.h"
#include "sql_store_outbox.h"

/* This back end's options (config.h rows), owned by main(). */
struct postgres_worker_options {
    char conninfo[SANTA_CONFIG_STR];
};

static const struct santa_option postgres_opts[] = {
    {"pg", "SANTA_PG", SANTA_OPT_OPTIONAL, "", 0, 0, 0,
     offsetof(struct postgres_worker_options, conninfo), "CONNINFO",
     "PostgreSQL connection (libpq conninfo or postgresql:// URI); empty: PGHOST, PGPORT, ..."},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

/* The queue's operations are the SQL store's (sql_store_outbox.h). */
static const struct santa_store_queue_ops postgres_queue_ops = SQL_STORE_QUEUE_OPS("postgres");

static enum santa_status queue_open(const struct santa_worker_config *cfg, struct santa_queue **out,
                                    char *err, size_t errlen)
{
    *out = NULL;
    const struct postgres_worker_options *o = cfg->backend;
    /* statement_timeout 10 s, not the server's 2 s: no client waits on a
     * worker, and one batch's expansion is one INSERT of up to a full
     * exchange's rows. */
    struct postgres_store_options so = {.conninfo = o->conninfo, .statement_timeout_ms = 10000};
    struct santa_store *store = NULL;
    enum santa_status st = postgres_store_open(&so, &store, err, errlen);
    if (st != SANTA_OK)
        return st;
    return santa_store_queue_new(&postgres_queue_ops, store, cfg, out, err, errlen);
}

int main(int argc, char **argv)
{
    struct postgres_worker_options o = {{0}};
    return santa_worker_main(argc, argv, "santa-worker-03-postgres", postgres_opts, &o, queue_open);
}
