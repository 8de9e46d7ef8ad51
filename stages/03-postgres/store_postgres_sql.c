/*
 * store_postgres_sql.c - the statement table of store_postgres_sql.h, expanded
 * from the one X-macro list so a name, its text and its parameter count can
 * never drift apart.
 */
#include "store_postgres_sql.h"

const char *const postgres_store_sql[POSTGRES_Q_COUNT] = {
#define POSTGRES_STORE_QUERY_TEXT(name, n, sql) [POSTGRES_Q_##name] = sql,
    POSTGRES_STORE_QUERIES(POSTGRES_STORE_QUERY_TEXT)
#undef POSTGRES_STORE_QUERY_TEXT
};

const char *const postgres_store_sql_name[POSTGRES_Q_COUNT] = {
#define POSTGRES_STORE_QUERY_NAME(name, n, sql) [POSTGRES_Q_##name] = #name,
    POSTGRES_STORE_QUERIES(POSTGRES_STORE_QUERY_NAME)
#undef POSTGRES_STORE_QUERY_NAME
};

const int postgres_store_sql_params[POSTGRES_Q_COUNT] = {
#define POSTGRES_STORE_QUERY_PARAMS(name, n, sql) [POSTGRES_Q_##name] = n,
    POSTGRES_STORE_QUERIES(POSTGRES_STORE_QUERY_PARAMS)
#undef POSTGRES_STORE_QUERY_PARAMS
};
