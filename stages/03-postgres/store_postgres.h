/*
 * store_postgres.h - stage 03's store: a PostgreSQL server, through libpq.
 *
 * Every worker thread gets its own connection (store_postgres_conn.h), every
 * statement is prepared once per connection and run with parameters only,
 * and every write that depends on an exchange's state locks that exchange's
 * row first (SELECT ... FOR UPDATE) inside one transaction, so check-then-
 * write (email taken, full, already drawn) is atomic and two draws cannot
 * both win. The schema comes from numbered migrations (migrations/NNN_name.sql)
 * applied when the store opens. See README.md.
 *
 * When the server goes away, operations return SANTA_UNAVAILABLE at once
 * (the API answers 503) and the store reconnects by itself once the server
 * answers again; see store_postgres_conn.h for the timeouts.
 *
 * Ownership: postgres_store_open() allocates the store; santa_store_close()
 * closes every connection and frees it. The options are only read during
 * the call (the conninfo is copied).
 */
#ifndef SANTA_STORE_POSTGRES_H
#define SANTA_STORE_POSTGRES_H

#include <stddef.h>
#include <stdint.h>

#include "santa/status.h"
#include "santa/store.h"

/* statement_timeout when the options give 0 (the timeout budget: PostgreSQL 2 s,
 * inside HAProxy's 10 s and the client's 30 s). */
#define POSTGRES_STORE_DEFAULT_TIMEOUT_MS 2000u

struct postgres_store_options {
    /* A libpq conninfo string or URI ("host=127.0.0.1 port=5432
     * dbname=santa"); NULL or "" leaves everything to PGHOST, PGPORT,
     * PGDATABASE, PGUSER, ... */
    const char *conninfo;
    uint32_t statement_timeout_ms; /* 0: POSTGRES_STORE_DEFAULT_TIMEOUT_MS */
};

/* Connects, applies pending migrations (postgres_store_migrate) and returns
 * the store. Errors: SANTA_UNAVAILABLE with a sentence in err (for the
 * operator, at start-up) when the server cannot be reached, a migration
 * fails, or the schema is newer than this program. *out is NULL then. */
enum santa_status postgres_store_open(const struct postgres_store_options *o,
                                      struct santa_store **out, char *err, size_t errlen);

/* Only applies pending migrations (--migrate); *applied (may be NULL) gets
 * how many ran. Errors as postgres_store_open. */
enum santa_status postgres_store_migrate(const struct postgres_store_options *o, int *applied,
                                         char *err, size_t errlen);

/* What a stage's --migrate does (stages 03 and 04): applies pending
 * migrations, logs the outcome under program's name, and returns the exit
 * code (0 up to date, 1 failed), so a deployment can migrate once before
 * starting (or replacing) the servers. */
int postgres_store_migrate_only(const char *program, const char *conninfo);

#endif /* SANTA_STORE_POSTGRES_H */
