/*
 * santa-worker-02-sqlite - sends the reminders stage 02 queued in its
 * outbox table (worker.h).
 *
 * The queue is the store itself: each queue instance (one per worker
 * thread) opens stage 02's store on the server's database, as the server
 * does (migrations included, so a worker started first finds the columns
 * it needs), and its operations are the store's outbox operations
 * (sql_store_outbox.h: how a claim works, and why it is durable once
 * answered).
 */
#include <stddef.h>

#include "santa/worker.h"
#include "store_sqlite.h"
#include "sql_store_outbox.h"

/* This back end's options (config.h rows), owned by main(). */
struct sqlite_worker_options {
    char data_dir[SANTA_CONFIG_STR];
};

static const struct santa_option sqlite_opts[] = {
    {"data", "SANTA_DATA", SANTA_OPT_STRING, "santa-data", 0, 0, 0,
     offsetof(struct sqlite_worker_options, data_dir), "DIR",
     "stage 02's data folder (santa.db must exist: the server creates it)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

/* The queue's operations are the SQL store's (sql_store_outbox.h). */
static const struct santa_store_queue_ops sqlite_queue_ops = SQL_STORE_QUEUE_OPS("sqlite");

static enum santa_status queue_open(const struct santa_worker_config *cfg, struct santa_queue **out,
                                    char *err, size_t errlen)
{
    *out = NULL;
    const struct sqlite_worker_options *o = cfg->backend;
    /* existing: the server creates the database; a worker never does. */
    struct sqlite_store_options so = {.data_dir = o->data_dir, .existing = true};
    struct santa_store *store = NULL;
    enum santa_status st = sqlite_store_open(&so, &store, err, errlen);
    if (st != SANTA_OK)
        return st;
    return santa_store_queue_new(&sqlite_queue_ops, store, cfg, out, err, errlen);
}

int main(int argc, char **argv)
{
    struct sqlite_worker_options o = {{0}};
    return santa_worker_main(argc, argv, "santa-worker-02-sqlite", sqlite_opts, &o, queue_open);
}
