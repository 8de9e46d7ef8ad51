/*
 * store_postgres_trace.h - where a trace's traceparent enters the SQL.
 *
 * sqlcommenter style: when a sampled trace is current on this thread, each
 * statement is sent as  / *traceparent='00-...-01'* /  followed by its text,
 * so the PostgreSQL log and pg_stat_activity name the request that ran it.
 * An unsampled trace sends no comment: the statement stays prepared.
 */
#ifndef SANTA_STORE_POSTGRES_TRACE_H
#define SANTA_STORE_POSTGRES_TRACE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest statement text plus the comment. */
#define POSTGRES_STORE_TRACED_SQL_MAX 1024

/* Writes the traced text of sql into out and returns true when a sampled
 * trace is current; returns false (out untouched) when none is, when it is
 * not sampled, or when it does not fit (then the statement runs untraced
 * rather than not at all). */
bool postgres_store_trace_sql(const char *sql, char *out, size_t outlen);

#endif /* SANTA_STORE_POSTGRES_TRACE_H */
