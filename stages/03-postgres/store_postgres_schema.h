/*
 * store_postgres_schema.h - numbered SQL migrations, applied at start.
 *
 * The migrations are the files migrations/NNN_name.sql, numbered from 001
 * without gaps; the build embeds them in the binary (embed_migrations.cmake),
 * so a binary always carries exactly the schema it was written against.
 * Applied versions are recorded in the table schema_migrations; a migration
 * never changes once shipped (add the next number instead).
 */
#ifndef SANTA_STORE_POSTGRES_SCHEMA_H
#define SANTA_STORE_POSTGRES_SCHEMA_H

#include <stddef.h>

#include "santa/status.h"

struct postgres_store_migration {
    int version;      /* NNN */
    const char *name; /* "001_schema.sql" */
    const char *sql;
};

/* Generated from migrations/ at build time. */
extern const struct postgres_store_migration postgres_store_migrations[];
extern const int postgres_store_migration_count;

/* The schema version this program expects (the highest migration). */
int postgres_store_schema_version(void);

/* Connects with conninfo and applies every pending migration, each in the
 * same single transaction, under an advisory lock so two processes starting
 * at once do not both apply them. *applied (may be NULL) gets how many ran.
 * Errors: SANTA_UNAVAILABLE with a sentence in err (server unreachable, a
 * migration failed: nothing of it is left behind, or the database's schema
 * is newer than this program). */
enum santa_status postgres_store_schema_migrate(const char *conninfo, int *applied, char *err,
                                                size_t errlen);

#endif /* SANTA_STORE_POSTGRES_SCHEMA_H */
