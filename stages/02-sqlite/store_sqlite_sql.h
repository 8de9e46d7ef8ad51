/*
 * store_sqlite_sql.h - SQLite's text for every statement of
 * sql_store_query.h (store_sqlite_sql.c).
 *
 * Internal to stage 02 (the driver and its tests).
 */
#ifndef SANTA_STORE_SQLITE_SQL_H
#define SANTA_STORE_SQLITE_SQL_H

#include "sql_store_query.h"

/* The text of each statement, indexed by enum sql_store_query. */
extern const char *const sqlite_store_sql[SQL_Q_COUNT];

#endif /* SANTA_STORE_SQLITE_SQL_H */
