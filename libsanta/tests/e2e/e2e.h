/*
 * e2e.h - a small harness for end-to-end tests against a real stage binary.
 *
 * It starts the binary on a free loopback port with a fresh data directory,
 * waits for /readyz, and offers one-call HTTP requests through libcurl with
 * parsed JSON answers (jansson). Everything targets 127.0.0.1 only.
 *
 * External server mode (the container deployment's tests): with
 * SANTA_E2E_URL=http://127.0.0.1:PORT set, nothing is started; the suite
 * talks to that server. Stopping and starting it then goes through the
 * program named by SANTA_E2E_CONTROL, run as `CONTROL stop KILL|TERM` (its
 * exit status is the server's, e.g. 137 after KILL) and `CONTROL start`;
 * without one, e2e_can_control() is false and those tests are skipped.
 */
#ifndef SANTA_E2E_H
#define SANTA_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

struct e2e_server {
    const char *binary;
    const char *control; /* external mode: the stop/start program, or NULL */
    bool external;       /* SANTA_E2E_URL: a server this harness did not start */
    char data_dir[256];
    char log_path[300];
    char base[64]; /* http://127.0.0.1:PORT */
    int port;
    pid_t pid;
    const char *const *extra; /* more options for the binary (NULL-terminated), or NULL */
};

struct e2e_resp {
    long status;
    char *body;        /* NUL-terminated, malloc'ed */
    size_t body_len;
    json_t *json;      /* parsed body or NULL */
    char headers[4096];/* raw response headers */
};

/* Starts binary on a fresh port and data dir; returns 0 when ready. */
int e2e_start(struct e2e_server *s, const char *binary);
/* The same with more options (a NULL-terminated list; they follow and so
 * override the defaults, e.g. "--threads", "4"). The list must outlive s. */
int e2e_start_with(struct e2e_server *s, const char *binary, const char *const *extra);
/* Starts again on the same port and data (after a crash or a stop). */
int e2e_restart(struct e2e_server *s);
/* Sends sig and waits; returns the exit status (or 128+signal). */
int e2e_stop(struct e2e_server *s, int sig);
/* Can this harness stop and start the server (always, unless external
 * without SANTA_E2E_CONTROL)? */
bool e2e_can_control(const struct e2e_server *s);
/* Removes the data directory. */
void e2e_cleanup(struct e2e_server *s);

/* One request. token may be NULL; body may be NULL. Returns 0 when a whole
 * HTTP answer arrived (headers and exactly Content-Length body bytes).
 * extra_header may be NULL ("Name: value"). */
int e2e_request(const struct e2e_server *s, const char *method, const char *path,
                const char *token, const char *body, size_t body_len, const char *extra_header,
                struct e2e_resp *r);
void e2e_resp_free(struct e2e_resp *r);

/* Sends raw bytes on a fresh connection (for framing that libcurl would
 * normalise, e.g. both Content-Length and Transfer-Encoding) and reads until
 * the server closes or 2 s pass. Returns the HTTP status of the first answer,
 * or -1 when none arrived; the first bytes of the answer go to out. */
int e2e_raw(const struct e2e_server *s, const char *bytes, size_t len, char *out, size_t cap);

/* Raw bytes as above; half_close shuts the sending side after them (a
 * client that stops short). Reads for up to wait_ms; *closed says whether
 * the server closed the connection (end of stream or reset) in that time.
 * Returns the status of the first answer or -1. */
int e2e_raw_ex(const struct e2e_server *s, const char *bytes, size_t len, bool half_close,
               int wait_ms, char *out, size_t cap, bool *closed);
/* How many HTTP answers (status lines) the raw bytes hold. */
int e2e_count_answers(const char *raw);

/* Shorthands on the parsed JSON: a string member or "" */
const char *e2e_str(json_t *obj, const char *key);
/* true when the raw headers contain this line prefix (case-insensitive name). */
bool e2e_has_header(const struct e2e_resp *r, const char *name, const char *value_prefix);

#endif /* SANTA_E2E_H */
