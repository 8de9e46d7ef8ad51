/*
 * store_sqlite_schema.c - applies the embedded migrations.
 * See store_sqlite_schema.h.
 */
#include "store_sqlite_schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Room for the one value run() reads back: an integer, as text. */
#define VALUE_LEN 32

int sqlite_store_schema_version(void)
{
    return sqlite_store_migration_count;
}

/* run()'s row callback: keeps the first column of the first row, as text. */
static int keep_first(void *out, int ncols, char **values, char **names)
{
    (void)names;
    char *text = out;
    if (text[0] == '\0' && ncols > 0 && values[0])
        snprintf(text, VALUE_LEN, "%s", values[0]);
    return 0;
}

/* One statement (or script), through sqlite3_exec; value (may be NULL, else
 * VALUE_LEN bytes) gets the first column of the first row it returns. */
static bool run(sqlite3 *db, const char *sql, char *value, char *err, size_t errlen,
                const char *what)
{
    if (value)
        value[0] = '\0';
    if (sqlite3_exec(db, sql, value ? keep_first : NULL, value, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
        return false;
    }
    return true;
}

static bool migrate_tx(sqlite3 *db, char *err, size_t errlen)
{
    char value[VALUE_LEN];
    if (!run(db, "PRAGMA user_version", value, err, errlen, "reading the schema version"))
        return false;
    char *end = NULL;
    long version = strtol(value, &end, 10);
    if (end == value || *end != '\0') {
        snprintf(err, errlen, "user_version holds an unreadable version");
        return false;
    }
    if (version > sqlite_store_migration_count) {
        snprintf(err, errlen, "database schema version %ld is newer than this program's (%d)",
                 version, sqlite_store_migration_count);
        return false;
    }
    for (int i = (int)version; i < sqlite_store_migration_count; i++) {
        const struct sqlite_store_migration *m = &sqlite_store_migrations[i];
        char what[128], rec[64];
        snprintf(what, sizeof what, "migration %s", m->name);
        /* PRAGMA takes no parameters: the number is ours, not input. */
        snprintf(rec, sizeof rec, "PRAGMA user_version = %d", m->version);
        if (!run(db, m->sql, NULL, err, errlen, what) || !run(db, rec, NULL, err, errlen, what))
            return false;
    }
    return true;
}

enum santa_status sqlite_store_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
    /* All pending migrations in one transaction (SQLite's DDL is
     * transactional): a failure leaves the schema exactly as it was.
     * IMMEDIATE takes the write lock at BEGIN: two processes opening a fresh
     * database at once must not both create the tables; the second waits,
     * then sees the new version. */
    bool ok = run(db, "BEGIN IMMEDIATE", NULL, err, errlen, "starting the migration transaction") &&
              migrate_tx(db, err, errlen) &&
              run(db, "COMMIT", NULL, err, errlen, "committing the migrations");
    if (!ok && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ok ? SANTA_OK : SANTA_UNAVAILABLE;
}
