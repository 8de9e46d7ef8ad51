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
    char tmp[SANTA_OPT_STR + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

int santa_worker_main(int argc, char **argv, const char *program, const struct santa_opt *extra,
                      size_t n_extra, santa_queue_open_fn open_queue)
{
    static struct worker w; /* one per process: the signal's target */
    char smtp[SANTA_OPT_STR], maildir[SANTA_OPT_STR], public_url[SANTA_OPT_STR],
        ready[SANTA_OPT_STR], trace_file[SANTA_OPT_STR], statsd[SANTA_OPT_STR],
        listen[SANTA_OPT_STR];
    uint32_t threads = 1, timeout_ms = 10000;
    struct santa_worker_config *c = &w.cfg;
    const struct santa_opt common[] = {
        {"smtp", "SANTA_SMTP", SANTA_TOOL_STRING, "", 0, 0, smtp, "smtp://HOST:PORT",
         "deliver over SMTP to this server (empty: into --maildir)"},
        {"maildir", "SANTA_MAILDIR", SANTA_TOOL_STRING, "santa-mail", 0, 0, maildir, "DIR",
         "the Maildir mails go to when --smtp is empty (created if missing)"},
        {"public-url", "SANTA_PUBLIC_URL", SANTA_TOOL_STRING, "", 0, 0, public_url, "URL",
         "the service's public base URL; each mail then links the exchange's public page"},
        {"smtp-timeout-ms", "SANTA_SMTP_TIMEOUT_MS", SANTA_TOOL_UINT, "10000", 100, 600000,
         &timeout_ms, "MS", "SMTP connect and per-mail timeout"},
        {"name", "SANTA_WORKER_NAME", SANTA_TOOL_STRING, "", 0, 0, c->name, "NAME",
         "this worker's name in the queue (empty: worker-PID)"},
        {"threads", "SANTA_WORKER_THREADS", SANTA_TOOL_UINT, "1", 1, WORKER_MAX_THREADS, &threads,
         "N", "sending loops in this process, each with its own connections"},
        {"batch", "SANTA_WORKER_BATCH", SANTA_TOOL_UINT, "10", 1, WORKER_MAX_BATCH, &c->batch, "N",
         "jobs claimed at once: the most a killed worker can leave half sent"},
        {"lease-ms", "SANTA_WORKER_LEASE_MS", SANTA_TOOL_UINT, "30000", 100, 3600000, &c->lease_ms,
         "MS", "how long a claim holds; a dead worker's jobs come back after it"},
        {"max-attempts", "SANTA_WORKER_MAX_ATTEMPTS", SANTA_TOOL_UINT, "10", 1, 1000,
         &c->max_attempts, "N", "attempts before a job is dead-lettered"},
        {"backoff-ms", "SANTA_WORKER_BACKOFF_MS", SANTA_TOOL_UINT, "500", 1, 3600000,
         &c->backoff_ms, "MS", "wait before the first retry; doubles each time"},
        {"backoff-max-ms", "SANTA_WORKER_BACKOFF_MAX_MS", SANTA_TOOL_UINT, "5000", 1, 3600000,
         &c->backoff_max_ms, "MS", "the longest wait between two attempts"},
        {"poll-ms", "SANTA_WORKER_POLL_MS", SANTA_TOOL_UINT, "200", 1, 60000, &c->poll_ms, "MS",
         "how long to wait when nothing is due"},
        {"ready-file", NULL, SANTA_TOOL_STRING, "", 0, 0, ready, "FILE",
         "write the PID here once the queue and the mailer are open (for deploy/local/up)"},
        {"listen", "SANTA_WORKER_LISTEN", SANTA_TOOL_STRING, "", 0, 0, listen, "HOST:PORT",
         "serve GET /metrics here (empty: no HTTP)"},
        {"trace-file", "SANTA_WORKER_TRACE_FILE", SANTA_TOOL_STRING, "", 0, 0, trace_file, "FILE",
         "append one Zipkin v2 span per line: each mail's trace continues its request's"},
        {"statsd", "SANTA_STATSD", SANTA_TOOL_STRING, "", 0, 0, statsd, "HOST:PORT",
         "send the metrics as statsd lines over UDP to this IPv4 address (empty: off)"},
    };
    size_t n_common = sizeof common / sizeof common[0];
    struct santa_opt *all = santa_calloc(n_common + n_extra, sizeof *all);
    if (!all)
        return 1;
    memcpy(all, common, sizeof common);
    if (n_extra)
        memcpy(all + n_common, extra, n_extra * sizeof *extra);
    enum santa_opts_result res =
        santa_opts_load(program, "Sends the reminders a stage queued (docs/API.md).", all,
                        n_common + n_extra, argc, argv);
    santa_free(all);
    if (res != SANTA_OPTS_OK)
        return res == SANTA_OPTS_EXIT_OK ? 0 : 2;
    if (!c->name[0])
        snprintf(c->name, sizeof c->name, "worker-%ld", (long)getpid());
    w.mail = (struct santa_mail_options){smtp, maildir, public_url, timeout_ms};
    w.open_queue = open_queue;
    signal(SIGPIPE, SIG_IGN);
    if (santa_mail_global_init() != 0)
        return 1;

    /* Check the queue and the mailer once before reporting ready. */
    char err[512] = "";
    struct worker_observe_options oo = {c->name, trace_file, statsd, listen, 1.0};
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
    for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, loop, &w) != 0)
            break;
    if (started == 0 || write_ready_file(ready) != 0) {
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
