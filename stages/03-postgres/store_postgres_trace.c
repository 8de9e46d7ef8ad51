/*
 * store_postgres_trace.c - the sqlcommenter prefix (store_postgres_trace.h).
 *
 * The traceparent is the current span's, from libinstrument (trace.h): the
 * span of the store operation the request is running, so a slow statement
 * in the PostgreSQL log leads straight to its trace. Unsampled traces get
 * no comment (and keep the prepared statement); see
 * postgres_store_trace_sql.
 */
#include "store_postgres_trace.h"

#include <stdio.h>
#include <string.h>

#include "instrument/trace.h"

/* The current W3C traceparent ("00-<32hex>-<16hex>-<2hex>"), or false. */
static bool current_traceparent(char out[56])
{
    return inst_trace_current_traceparent(out);
}

bool postgres_store_trace_sql(const char *sql, char *out, size_t outlen)
{
    char tp[56];
    if (!current_traceparent(tp))
        return false;
    /* Only a sampled trace (flags "01") is worth a comment: a comment makes
     * the statement text unique, so it goes unprepared (parsed and planned
     * on every call). At the default 1 % sampling, 99 of 100 requests keep
     * their prepared statements; a trace nobody exports has nothing to link
     * a slow statement to anyway. */
    if (strcmp(tp + 53, "01") != 0)
        return false;
    /* A traceparent is hex and dashes only (checked): it cannot close the
     * comment or the quote around it. */
    for (const char *p = tp; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return false;
    int n = snprintf(out, outlen, "/*traceparent='%s'*/ %s", tp, sql);
    return n > 0 && (size_t)n < outlen;
}
