/*
 * store_sqlite_schema.h - numbered SQL migrations, applied at open.
 *
 * The migrations are the files migrations/NNN_name.sql, numbered from 001
 * without gaps; the build embeds them in the binary (embed_migrations.cmake),
 * so a binary always carries exactly the schema it was written against.
 * The applied version is the database's PRAGMA user_version, set after each
 * migration in the same transaction; a migration never changes once shipped
 * (add the next number instead).
 */
#ifndef SANTA_STORE_SQLITE_SCHEMA_H
#define SANTA_STORE_SQLITE_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

#include "santa/status.h"

struct sqlite_store_migration {
    int version;      /* NNN */
    const char *name; /* "001_schema.sql" */
    const char *sql;
};

/* Generated from migrations/ at build time. */
extern const struct sqlite_store_migration sqlite_store_migrations[];
extern const int sqlite_store_migration_count;

/* The schema version this program expects (the highest migration): the
 * user_version of a fully migrated database. */
int sqlite_store_schema_version(void);

/* Applies every pending migration to db, each in the same single
 * transaction, under BEGIN IMMEDIATE (the write lock, taken at the start) so
 * two processes opening a fresh file at once do not both apply them. db must
 * not be inside a transaction. Errors: SANTA_UNAVAILABLE with a sentence in
 * err (a migration failed: nothing of it is left behind, or the database's
 * schema is newer than this program). */
enum santa_status sqlite_store_schema_migrate(sqlite3 *db, char *err, size_t errlen);

#endif /* SANTA_STORE_SQLITE_SCHEMA_H */
