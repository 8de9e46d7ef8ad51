/*
 * log.h - one line per event on stderr: "2026-11-22T10:00:00Z warn store: ...".
 *
 * Logs carry causes and ids, never tokens, Authorization headers or bodies.
 * Thread-safe: each call is one write(2) of one line.
 */
#ifndef SANTA_LOG_H
#define SANTA_LOG_H

enum santa_log_level { SANTA_LOG_DEBUG, SANTA_LOG_INFO, SANTA_LOG_WARN, SANTA_LOG_ERROR };

void santa_log(enum santa_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* SANTA_LOG_H */
