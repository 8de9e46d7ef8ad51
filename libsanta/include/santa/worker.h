/*
 * worker.h - santa-worker: the process that sends the reminders a stage
 * queued (stages 02-05; stage 01 sends inside the request).
 *
 * A queue is a const table of operations plus an instance whose first
 * member is struct santa_queue, like a store (store.h). Each back end claims
 * jobs its own way: SQLite with BEGIN IMMEDIATE (one writer at a time),
 * PostgreSQL with FOR UPDATE SKIP LOCKED (workers never wait for each other
 * and never take the same row), Redis with a stream's consumer group.
 *
 * Delivery is at least once. A claimed job is leased: if its worker dies
 * (kill -9) before marking it done, the lease runs out and another worker
 * takes it again, so a mail can go out twice (at most once per claim of the
 * batch that worker held), never zero times. Every mail's Message-ID comes
 * from the job (santa_job.key), so the second copy is recognisable.
 *
 * A failed send is retried after a backoff that doubles from backoff_ms up
 * to backoff_max_ms; after max_attempts attempts, or at once when the
 * failure is final (an SMTP 5xx, an address no mail can carry), the job is
 * dead-lettered with its last error, for a person to look at.
 *
 * Threads: each worker thread opens its own queue instance and mailer.
 */
#ifndef SANTA_WORKER_H
#define SANTA_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "santa/config.h"
#include "santa/mail.h"
#include "santa/status.h"

/* One reminder to send, as a queue hands it out. Text is copied in: a job
 * owns no pointers. */
struct santa_job {
    char id[64];               /* the queue's own id: outbox row, stream entry */
    char key[160];             /* the Message-ID key (mail.h) */
    char exchange_id[64];
    char exchange_name[404];
    char budget[404];          /* "" when not set */
    char exchange_date[16];    /* "" when not set */
    char participant_id[64];
    char to_name[404];
    char to_email[1024];
    uint32_t attempts;         /* this one included */
    int64_t queued_ms;         /* wall clock at enqueue, ms since the epoch */
    char traceparent[56];      /* the enqueuing request's, "" when none */
};

struct santa_queue;

struct santa_queue_ops {
    const char *name; /* the back end's name, for logs and metrics */
    /* Claims up to max due jobs for lease_ms (jobs[0..*n)). *n may be 0:
     * nothing due. SANTA_UNAVAILABLE when the back end does not answer. */
    enum santa_status (*claim)(struct santa_queue *q, struct santa_job *jobs, uint32_t max,
                               uint32_t *n);
    /* The job was delivered: never hand it out again. */
    enum santa_status (*done)(struct santa_queue *q, const struct santa_job *j);
    /* The attempt failed: hand it out again after delay_ms, or never
     * (dead-lettered) when dead, keeping error for the operator. */
    enum santa_status (*fail)(struct santa_queue *q, const struct santa_job *j, bool dead,
                              uint32_t delay_ms, const char *error);
    /* Jobs not yet delivered nor dead, and the age of the oldest, for the
     * metrics. */
    enum santa_status (*stats)(struct santa_queue *q, uint64_t *depth, uint64_t *oldest_age_ms);
    void (*close)(struct santa_queue *q);
};

struct santa_queue {
    const struct santa_queue_ops *ops;
};

/* What santa_worker_main() read from its options, for open_queue. */
struct santa_worker_config {
    char name[SANTA_CONFIG_STR]; /* this worker's name: claimed_by, Redis consumer */
    uint32_t batch;           /* jobs per claim */
    uint32_t lease_ms;        /* a claim's lifetime: after it, the job is up for grabs */
    uint32_t max_attempts;
    uint32_t backoff_ms, backoff_max_ms;
    uint32_t poll_ms;         /* sleep when nothing is due */
    const void *backend;      /* the back end's option struct (santa_worker_main's) */
};

/* Opens one queue instance (one per worker thread) from the shared
 * configuration and the back end's own options (cfg->backend). */
typedef enum santa_status (*santa_queue_open_fn)(const struct santa_worker_config *cfg,
                                                 struct santa_queue **out, char *err,
                                                 size_t errlen);

struct santa_store;

/* A queue whose operations are a store's own (stages 02 and 03: the
 * outbox table, with the store's connections and transactions). Each takes
 * the store in place of the queue; claim also this worker's name and the
 * lease. A stage's worker fills one of these, static and const. */
struct santa_store_queue_ops {
    const char *name;
    enum santa_status (*claim)(struct santa_store *s, const char *worker, uint32_t lease_ms,
                               struct santa_job *jobs, uint32_t max, uint32_t *n);
    enum santa_status (*done)(struct santa_store *s, const struct santa_job *j);
    enum santa_status (*fail)(struct santa_store *s, const struct santa_job *j, bool dead,
                              uint32_t delay_ms, const char *error);
    enum santa_status (*stats)(struct santa_store *s, uint64_t *depth, uint64_t *oldest_age_ms);
};

/* A queue over store and ops (worker_store.c). Takes ownership of store:
 * the queue's close closes it, and so does a failure here. ops and cfg
 * must outlive the queue. Errors: SANTA_UNAVAILABLE (out of memory, in
 * err); *out is NULL. */
enum santa_status santa_store_queue_new(const struct santa_store_queue_ops *ops,
                                        struct santa_store *store,
                                        const struct santa_worker_config *cfg,
                                        struct santa_queue **out, char *err, size_t errlen);

/* A worker program's whole life: options (config.h rows: the shared ones,
 * then `backend`, the back end's own rows (where its data lives), filling the
 * struct `backend_opts`, which the caller owns and which open_queue finds
 * as cfg->backend), then --threads loops claiming and sending until
 * SIGTERM/SIGINT, which lets each loop finish the mail in hand. Exit 0
 * after a clean stop, 1 when the queue or mailer cannot be opened at start,
 * 2 on bad options. */
int santa_worker_main(int argc, char **argv, const char *program,
                      const struct santa_option *backend, void *backend_opts,
                      santa_queue_open_fn open_queue);

/* The backoff before attempt `attempts + 1`: backoff_ms * 2^(attempts-1),
 * capped at backoff_max_ms. */
uint32_t santa_worker_backoff(const struct santa_worker_config *cfg, uint32_t attempts);

/* The trace of a batch's expansion (a queue's open_queue may expand the one
 * job POST .../reminders queued into one job per mail): a root "expand"
 * continuing the enqueuing request's traceparent (NULL or "" for none),
 * with one child span `step` (what the back end does: "outbox insert",
 * "stream add") tagged with the exchange and, at the end, the mails made.
 * begin and end run on one thread, with no request of its own open. */
struct santa_expand_trace {
    void *span; /* the step's span: libinstrument's, opaque here */
};
void santa_worker_expand_begin(struct santa_expand_trace *t, const char *traceparent,
                               const char *step, const char *exchange_id);
void santa_worker_expand_end(struct santa_expand_trace *t, long long mails, bool ok);

/* Milliseconds since the epoch (CLOCK_REALTIME): queue timestamps. */
int64_t santa_wall_ms(void);

#endif /* SANTA_WORKER_H */
