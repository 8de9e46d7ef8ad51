/*
 * store_sqlite_sql.c - the statement table of store_sqlite_sql.h, expanded
 * from the one X-macro list so a name and its text can never drift apart.
 */
#include "store_sqlite_sql.h"

const char *const sqlite_store_sql[SQLITE_Q_COUNT] = {
#define SQLITE_STORE_QUERY_TEXT(name, sql) [SQLITE_Q_##name] = sql,
    SQLITE_STORE_QUERIES(SQLITE_STORE_QUERY_TEXT)
#undef SQLITE_STORE_QUERY_TEXT
};

const char *const sqlite_store_sql_name[SQLITE_Q_COUNT] = {
#define SQLITE_STORE_QUERY_NAME(name, sql) [SQLITE_Q_##name] = #name,
    SQLITE_STORE_QUERIES(SQLITE_STORE_QUERY_NAME)
#undef SQLITE_STORE_QUERY_NAME
};
