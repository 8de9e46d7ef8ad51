/*
 * sql_store_query.c - the names and parameter counts of sql_store_query.h,
 * expanded from the one X-macro list so they can never drift apart.
 */
#include "sql_store_query.h"

const char *const sql_store_query_name[SQL_Q_COUNT] = {
#define SQL_STORE_QUERY_NAME(name, n) [SQL_Q_##name] = #name,
    SQL_STORE_QUERIES(SQL_STORE_QUERY_NAME)
#undef SQL_STORE_QUERY_NAME
};

const int sql_store_query_params[SQL_Q_COUNT] = {
#define SQL_STORE_QUERY_PARAMS(name, n) [SQL_Q_##name] = n,
    SQL_STORE_QUERIES(SQL_STORE_QUERY_PARAMS)
#undef SQL_STORE_QUERY_PARAMS
};
