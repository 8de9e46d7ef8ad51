/*
 * store_postgres_trace.c - the sqlcommenter prefix (store_postgres_trace.h).
 *
 * TRACEPARENT HOOK (issue 3): libinstrument's trace.h was not on this branch
 * when stage 03 was written. Once it is merged, replace the body of
 * current_traceparent() with
 *     return inst_trace_current_traceparent(out);
 * (and link the store with the `instrument` target). Everything else -
 * formatting the comment, sending traced statements unprepared - is already
 * in place and tested with a fixed traceparent.
 */
#include "store_postgres_trace.h"

#include <stdio.h>
#include <string.h>

/* The current W3C traceparent ("00-<32hex>-<16hex>-<2hex>"), or false. */
static bool current_traceparent(char out[56])
{
    out[0] = '\0';
    return false;
}

bool postgres_store_trace_sql(const char *sql, char *out, size_t outlen)
{
    char tp[56];
    if (!current_traceparent(tp))
        return false;
    /* A traceparent is hex and dashes only (checked): it cannot close the
     * comment or the quote around it. */
    for (const char *p = tp; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return false;
    int n = snprintf(out, outlen, "/*traceparent='%s'*/ %s", tp, sql);
    return n > 0 && (size_t)n < outlen;
}
