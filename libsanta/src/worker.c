/*
 * worker.c - the worker loop shared by every queue back end (worker.h):
 * claim a batch, send each mail, mark it done or failed, sleep when idle.
 *
 * Stopping: SIGTERM and SIGINT are blocked before any thread starts and
 * taken by the main thread in sigwait(); it sets `stop`, and each loop
 * checks it between mails and while idle, so a stop never cuts a mail in
 * half. Jobs claimed but not sent by then keep their lease and are taken
 * again when it runs out (at least once).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "santa/alloc.h"
#include "santa/log.h"
#include "santa/worker.h"
#include "worker_observe.h"

#define WORKER_MAX_THREADS 64
#define WORKER_MAX_BATCH 1000

struct worker {
    struct santa_worker_config cfg;
    struct santa_mail_options mail;
    santa_queue_open_fn open_queue;
    atomic_bool stop;
    atomic_uint_fast64_t sent, retried, dead;
    _Atomic int64_t stats_at_ms; /* when the queue's depth was last sampled */
};

int64_t santa_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint32_t santa_worker_backoff(const struct santa_worker_config *cfg, uint32_t attempts)
{
    uint64_t d = cfg->backoff_ms;
    for (uint32_t i = 1; i < attempts && d < cfg->backoff_max_ms; i++)
        d *= 2;
    return d > cfg->backoff_max_ms ? cfg->backoff_max_ms : (uint32_t)d;
}

/* Sleeps ms, waking early when the worker is told to stop. */
static void nap(struct worker *w, uint32_t ms)
{
    while (ms > 0 && !atomic_load(&w->stop)) {
        uint32_t step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static void handle(struct worker *w, struct santa_queue *q, struct santa_mailer *m,
                   const struct santa_job *j)
{
    struct santa_reminder r = {
        .exchange_id = j->exchange_id,
        .exchange_name = j->exchange_name,
        .budget = j->budget,
        .exchange_date = j->exchange_date,
        .to_name = j->to_name,
        .to_email = j->to_email,
        .message_key = j->key,
    };
    char err[512] = "";
    worker_observe_job_begin(j);
    enum santa_status st = santa_mailer_send(m, &r, err, sizeof err);
    bool dead = st != SANTA_OK && (st != SANTA_UNAVAILABLE || j->attempts >= w->cfg.max_attempts);
    worker_observe_job_end(j, st, dead);
    enum santa_status qs;
    if (st == SANTA_OK) {
        qs = q->ops->done(q, j);
        atomic_fetch_add(&w->sent, 1);
    } else {
        uint32_t delay = santa_worker_backoff(&w->cfg, j->attempts);
        santa_log(dead ? SANTA_LOG_ERROR : SANTA_LOG_WARN, "%s: job %s attempt %u: %s%s",
                  w->cfg.name, j->id, j->attempts, err, dead ? " (dead-lettered)" : "");
        qs = q->ops->fail(q, j, dead, delay, err);
        atomic_fetch_add(dead ? &w->dead : &w->retried, 1);
    }
    if (qs != SANTA_OK) /* the lease runs out and the job comes back: logged, not lost */
        santa_log(SANTA_LOG_WARN, "%s: could not record job %s's outcome", w->cfg.name, j->id);
}

/* One line per claim naming its Message-ID keys: what a killed worker held
 * can be read back from its log (the worker-kill test does). */
static void log_claim(const struct worker *w, const struct santa_job *jobs, uint32_t n)
{
    char keys[2048];
    size_t len = 0;
    keys[0] = '\0';
    for (uint32_t i = 0; i < n && len + 2 < sizeof keys; i++) {
        int k = snprintf(keys + len, sizeof keys - len, " %s", jobs[i].key);
        if (k < 0 || (size_t)k >= sizeof keys - len)
            break;
        len += (size_t)k;
    }
    santa_log(SANTA_LOG_INFO, "%s: claimed %u:%s", w->cfg.name, n, keys);
}

/* About once a second, one of the loops samples the queue for the metrics. */
static void sample_queue(struct worker *w, struct santa_queue *q)
{
    int64_t now = santa_wall_ms(), last = atomic_load(&w->stats_at_ms);
    if (now - last < 1000 || !atomic_compare_exchange_strong(&w->stats_at_ms, &last, now))
        return;
    uint64_t depth = 0, oldest = 0;
    if (q->ops->stats(q, &depth, &oldest) == SANTA_OK)
        worker_observe_queue(depth, oldest);
}

static void *loop(void *arg)
{
    struct worker *w = arg;
    struct santa_queue *q = NULL;
    struct santa_mailer *m = NULL;
    struct santa_job *jobs = santa_calloc(w->cfg.batch, sizeof *jobs);
    char err[512] = "";
    if (!jobs || w->open_queue(&w->cfg, &q, err, sizeof err) != SANTA_OK ||
        santa_mailer_open(&w->mail, &m, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "%s: %s", w->cfg.name, err[0] ? err : "out of memory");
        atomic_store(&w->stop, true);
        kill(getpid(), SIGTERM); /* wakes main's sigwait: the worker cannot run */
        goto out;
    }
    while (!atomic_load(&w->stop)) {
        sample_queue(w, q);
        uint32_t n = 0;
        enum santa_status st = q->ops->claim(q, jobs, w->cfg.batch, &n);
        if (st != SANTA_OK || n == 0) {
            nap(w, w->cfg.poll_ms);
            continue;
        }
        log_claim(w, jobs, n);
        for (uint32_t i = 0; i < n && !atomic_load(&w->stop); i++)
            handle(w, q, m, &jobs[i]);
    }
out:
    santa_mailer_close(m);
    if (q)
        q->ops->close(q);
    santa_free(jobs);
    return NULL;
}

static int write_ready_file(const char *path)
{
    if (!path[0])
        return 0;
    char tmp[SANTA_CONFIG_STR + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

/* The shared options that are not struct santa_worker_config's. */
struct worker_flags {
    char ready[SANTA_CONFIG_STR], trace_file[SANTA_CONFIG_STR], statsd[SANTA_CONFIG_STR];
    char listen[SANTA_CONFIG_STR];
    uint32_t threads;
};

#define FLAG(field) offsetof(struct worker_flags, field)
#define CONF(field) offsetof(struct santa_worker_config, field)

static const struct santa_option flag_rows[] = {
    {"threads", "SANTA_WORKER_THREADS", SANTA_OPT_UINT, "1", 1, WORKER_MAX_THREADS, 0,
     FLAG(threads), "N", "sending loops in this process, each with its own connections"},
    {"ready-file", NULL, SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(ready), "FILE",
     "write the PID here once the queue and the mailer are open (for deploy/local/up)"},
    {"listen", "SANTA_WORKER_LISTEN", SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(listen), "HOST:PORT",
     "serve GET /metrics here (empty: no HTTP)"},
    {"trace-file", "SANTA_WORKER_TRACE_FILE", SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(trace_file),
     "FILE", "append one Zipkin v2 span per line: each mail's trace continues its request's"},
    {"statsd", "SANTA_STATSD", SANTA_OPT_OPTIONAL, "", 0, 0, 0, FLAG(statsd), "HOST:PORT",
     "send the metrics as statsd lines over UDP to this IPv4 address (empty: off)"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct santa_option config_rows[] = {
    {"name", "SANTA_WORKER_NAME", SANTA_OPT_OPTIONAL, "", 0, 0, 0, CONF(name), "NAME",
     "this worker's name in the queue (empty: worker-PID)"},
    {"batch", "SANTA_WORKER_BATCH", SANTA_OPT_UINT, "10", 1, WORKER_MAX_BATCH, 0, CONF(batch),
     "N", "jobs claimed at once: the most a killed worker can leave half sent"},
    {"lease-ms", "SANTA_WORKER_LEASE_MS", SANTA_OPT_UINT, "30000", 100, 3600000, 0,
     CONF(lease_ms), "MS", "how long a claim holds; a dead worker's jobs come back after it"},
    {"max-attempts", "SANTA_WORKER_MAX_ATTEMPTS", SANTA_OPT_UINT, "10", 1, 1000, 0,
     CONF(max_attempts), "N", "attempts before a job is dead-lettered"},
    {"backoff-ms", "SANTA_WORKER_BACKOFF_MS", SANTA_OPT_UINT, "500", 1, 3600000, 0,
     CONF(backoff_ms), "MS", "wait before the first retry; doubles each time"},
    {"backoff-max-ms", "SANTA_WORKER_BACKOFF_MAX_MS", SANTA_OPT_UINT, "5000", 1, 3600000, 0,
     CONF(backoff_max_ms), "MS", "the longest wait between two attempts"},
    {"poll-ms", "SANTA_WORKER_POLL_MS", SANTA_OPT_UINT, "200", 1, 60000, 0, CONF(poll_ms), "MS",
     "how long to wait when nothing is due"},
    {NULL, NULL, SANTA_OPT_STRING, NULL, 0, 0, 0, 0, NULL, NULL},
};

int santa_worker_main(int argc, char **argv, const char *program,
                      const struct santa_option *backend, void *backend_opts,
                      santa_queue_open_fn open_queue)
{
    static struct worker w; /* one per process: the signal's target */
    struct worker_flags f;
    struct santa_mail_flags mail; /* w.mail points into it: the threads end before we return */
    struct santa_worker_config *c = &w.cfg;
    memset(&f, 0, sizeof f);
    memset(&mail, 0, sizeof mail);
    /* The server's table and parser (config.h), with the tools' rows only:
     * no core group, so none of a server's options. */
    const struct santa_option_set sets[] = {
        {santa_mail_rows, &mail}, {flag_rows, &f}, {config_rows, c}, {backend, backend_opts}};
    struct santa_config unused;
    enum santa_config_result res = santa_config_load(&unused, 0, sets, argc, argv, NULL);
    if (res != SANTA_CONFIG_OK)
        return res == SANTA_CONFIG_EXIT_OK ? 0 : 2;
    c->backend = backend_opts;
    if (!c->name[0])
        snprintf(c->name, sizeof c->name, "worker-%ld", (long)getpid());
    w.mail = santa_mail_flags_options(&mail);
    w.open_queue = open_queue;
    signal(SIGPIPE, SIG_IGN);
    if (santa_mail_global_init() != 0)
        return 1;

    /* Check the queue and the mailer once before reporting ready. */
    char err[512] = "";
    struct worker_observe_options oo = {c->name, f.trace_file, f.statsd, f.listen, 1.0};
    if (worker_observe_start(&oo, err, sizeof err) != 0) {
        santa_log(SANTA_LOG_ERROR, "%s: %s", program, err);
        return 1;
    }
    struct santa_queue *q = NULL;
    struct santa_mailer *m = NULL;
    if (open_queue(c, &q, err, sizeof err) != SANTA_OK ||
        santa_mailer_open(&w.mail, &m, err, sizeof err) != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "%s: %s", program, err);
        if (q)
            q->ops->close(q);
        worker_observe_stop();
        return 1;
    }
    santa_mailer_close(m);
    q->ops->close(q);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    pthread_t tids[WORKER_MAX_THREADS];
    uint32_t started = 0;
    for (; started < f.threads; started++)
        if (pthread_create(&tids[started], NULL, loop, &w) != 0)
            break;
    if (started == 0 || write_ready_file(f.ready) != 0) {
        santa_log(SANTA_LOG_ERROR, "%s: cannot start", program);
        atomic_store(&w.stop, true);
    } else {
        santa_log(SANTA_LOG_INFO, "%s: %s sending with %u threads, batch %u, lease %u ms",
                  program, c->name, started, c->batch, c->lease_ms);
        int sig = 0;
        while (sigwait(&stop, &sig) != 0)
            ;
        atomic_store(&w.stop, true);
    }
    for (uint32_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    worker_observe_stop();
    santa_log(SANTA_LOG_INFO, "%s: stopped: %llu sent, %llu retried, %llu dead-lettered",
              program, (unsigned long long)atomic_load(&w.sent),
              (unsigned long long)atomic_load(&w.retried),
              (unsigned long long)atomic_load(&w.dead));
    return 0;
}
