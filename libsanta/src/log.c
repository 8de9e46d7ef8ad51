/*
 * log.c - timestamped single-line logging to stderr (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "santa/log.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void santa_log(enum santa_log_level level, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    int k = snprintf(line + n, sizeof line - n, "%s ", level_names[level & 3]);
    if (k > 0)
        n += (size_t)k;
    va_list ap;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (k > 0)
        n += (size_t)k;
    if (n > sizeof line - 2)
        n = sizeof line - 2; /* truncated: keep the line whole */
    line[n++] = '\n';
    /* One write per line so concurrent threads never interleave inside it. */
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
