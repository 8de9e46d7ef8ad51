/*
 * store_sqlite_schema.h - the SQLite store's schema and its migrations.
 *
 * The schema is a list of ordered migrations; migration N ends by setting
 * PRAGMA user_version = N. Opening a database applies every migration newer
 * than its user_version, all in one transaction: a crash half way leaves the
 * old version intact, never a half-built schema.
 */
#ifndef SANTA_STORE_SQLITE_SCHEMA_H
#define SANTA_STORE_SQLITE_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

#include "santa/status.h"

/* The user_version of a fully migrated database. */
int sqlite_store_schema_version(void);

/* Brings db up to sqlite_store_schema_version(). db must not be inside a
 * transaction. Errors: SANTA_UNAVAILABLE with a sentence in err when a
 * migration fails (rolled back) or the database is newer than this program. */
enum santa_status sqlite_store_schema_migrate(sqlite3 *db, char *err, size_t errlen);

#endif /* SANTA_STORE_SQLITE_SCHEMA_H */
