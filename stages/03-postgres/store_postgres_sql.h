/*
 * store_postgres_sql.h - PostgreSQL's text for the statements of sql_store_query.h
 * it says its own way (store_postgres_sql.c).
 *
 * Internal to stage 03 (the driver and its tests).
 */
#ifndef SANTA_STORE_POSTGRES_SQL_H
#define SANTA_STORE_POSTGRES_SQL_H

#include "sql_store_query.h"

/* The text of each statement PostgreSQL says its own way, indexed by enum
 * sql_store_query; NULL where the portable text serves. Run a statement as
 * sql_store_query_sql(postgres_store_sql, q). */
extern const char *const postgres_store_sql[SQL_Q_COUNT];

#endif /* SANTA_STORE_POSTGRES_SQL_H */
