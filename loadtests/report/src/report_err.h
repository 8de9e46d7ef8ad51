/*
 * report_err.h - the one error type of santa-report: a precise, human message.
 *
 * Every reader fills it with where the problem is (file, and line or JSON
 * path) and what is wrong, so `santa-report` can print it and exit 2 without
 * the caller adding context. Caller-owned; no allocation.
 */
#ifndef REPORT_ERR_H
#define REPORT_ERR_H

struct report_error {
    char msg[640];
};

/* Formats the message (truncated to fit). Always returns -1 so a reader can
 * `return report_error_set(err, ...);` from a function returning int. */
int report_error_set(struct report_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* REPORT_ERR_H */
