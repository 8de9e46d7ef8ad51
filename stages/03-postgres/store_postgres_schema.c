/*
 * store_postgres_schema.c - applies the embedded migrations.
 * See store_postgres_schema.h.
 */
#include "store_postgres_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_postgres_conn.h"

/* pg_advisory_xact_lock key: "santa" in ASCII, so it is recognisable in
 * pg_locks. Held until the migration transaction ends. */
#define MIGRATION_LOCK_KEY "495891670369"

/* Migrations may build indexes over big tables: far longer than a request. */
#define MIGRATION_TIMEOUT_MS 600000u

int postgres_store_schema_version(void)
{
    return postgres_store_migration_count;
}

/* One statement (or script) outside the statement cache: migrations run once
 * per start, on a connection of their own. */
static bool run(PGconn *pg, const char *sql, int n, const char *const *values, PGresult **rows,
                char *err, size_t errlen, const char *what)
{
    PGresult *r = n ? PQexecParams(pg, sql, n, NULL, values, NULL, NULL, 0) : PQexec(pg, sql);
    ExecStatusType rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s: %s", what, r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
        size_t len = strlen(err);
        if (len && err[len - 1] == '\n')
            err[len - 1] = '\0';
        PQclear(r);
        return false;
    }
    if (rows)
        *rows = r;
    else
        PQclear(r);
    return true;
}

static bool migrate_tx(PGconn *pg, int *applied, char *err, size_t errlen)
{
    const char *key[] = {MIGRATION_LOCK_KEY};
    if (!run(pg, "SELECT pg_advisory_xact_lock($1::bigint)", 1, key, NULL, err, errlen,
             "taking the migration lock") ||
        !run(pg,
             "CREATE TABLE IF NOT EXISTS schema_migrations ("
             " version integer PRIMARY KEY,"
             " name text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())",
             0, NULL, NULL, err, errlen, "creating schema_migrations"))
        return false;
    PGresult *r = NULL;
    if (!run(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, &r, err,
             errlen, "reading the schema version"))
        return false;
    char *end = NULL;
    long version = strtol(PQgetvalue(r, 0, 0), &end, 10);
    bool parsed = PQntuples(r) == 1 && end && *end == '\0';
    PQclear(r);
    if (!parsed) {
        snprintf(err, errlen, "schema_migrations holds an unreadable version");
        return false;
    }
    if (version > postgres_store_migration_count) {
        snprintf(err, errlen, "database schema version %ld is newer than this program's (%d)",
                 version, postgres_store_migration_count);
        return false;
    }
    for (int i = (int)version; i < postgres_store_migration_count; i++) {
        const struct postgres_store_migration *m = &postgres_store_migrations[i];
        char what[128], num[16];
        snprintf(what, sizeof what, "migration %s", m->name);
        snprintf(num, sizeof num, "%d", m->version);
        const char *rec[] = {num, m->name};
        if (!run(pg, m->sql, 0, NULL, NULL, err, errlen, what) ||
            !run(pg, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, rec, NULL,
                 err, errlen, what))
            return false;
        if (applied)
            (*applied)++;
    }
    return true;
}

enum santa_status postgres_store_schema_migrate(const char *conninfo, int *applied, char *err,
                                                size_t errlen)
{
    if (applied)
        *applied = 0;
    PGconn *pg = NULL;
    if (postgres_store_connect(conninfo, MIGRATION_TIMEOUT_MS, &pg, err, errlen) != SANTA_OK)
        return SANTA_UNAVAILABLE;
    /* All pending migrations in one transaction (PostgreSQL's DDL is
     * transactional): a failure leaves the schema exactly as it was. */
    bool ok = run(pg, "BEGIN", 0, NULL, NULL, err, errlen, "BEGIN") &&
              migrate_tx(pg, applied, err, errlen) &&
              run(pg, "COMMIT", 0, NULL, NULL, err, errlen, "committing the migrations");
    if (!ok && applied)
        *applied = 0;
    PQfinish(pg); /* an open transaction is rolled back by the server */
    return ok ? SANTA_OK : SANTA_UNAVAILABLE;
}
