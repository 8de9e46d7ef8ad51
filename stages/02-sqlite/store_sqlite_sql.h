/*
 * store_sqlite_sql.h - SQLite's text for the statements of sql_store_query.h
 * it says its own way (store_sqlite_sql.c).
 *
 * Internal to stage 02 (the driver and its tests).
 */
#ifndef SANTA_STORE_SQLITE_SQL_H
#define SANTA_STORE_SQLITE_SQL_H

#include "sql_store_query.h"

/* The text of each statement SQLite says its own way, indexed by enum
 * sql_store_query; NULL where the portable text serves. Run a statement as
 * sql_store_query_sql(sqlite_store_sql, q). */
extern const char *const sqlite_store_sql[SQL_Q_COUNT];

#endif /* SANTA_STORE_SQLITE_SQL_H */
