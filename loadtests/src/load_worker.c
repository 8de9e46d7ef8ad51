/*
 * load_worker.c - the per-thread event loop (see load_worker.h).
 *
 * Each virtual user is a small state machine: WAIT (a timer: ramp-up, think
 * time, back-off), IDLE (open loop: waiting for a due start), CONNECT, SEND,
 * RECV, DONE. Sockets are registered once, edge-triggered for both directions,
 * so a request costs no epoll_ctl call; every event drives the user as far as
 * it can go (write until EAGAIN, read until EAGAIN).
 */
#include "load_worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "load_config.h"
#include "load_http.h"

#define REQ_MAX 2048
#define BODY_MAX 16384
#define RBUF_MAX 65536
#define BACKOFF_NS 10000000u    /* after a failed connection */
#define SCAN_NS 10000000u       /* how often in-flight requests are checked for timeouts */
#define HALT_POLL_NS 100000000u /* longest sleep without looking at clk->halt */

enum vu_state { V_WAIT, V_IDLE, V_CONNECT, V_SEND, V_RECV, V_DONE };

struct load_vu {
    enum vu_state state;
    int fd;
    bool reused;              /* the connection served an earlier request */
    bool retried;             /* this request was already resent once */
    unsigned group, txn, step, rep;
    uint64_t txn_start;       /* intended start of the transaction */
    uint64_t intended;        /* intended start of the current request */
    uint64_t ready;           /* when it could have been sent (>= intended) */
    uint64_t free_at;         /* when the user last became free to send */
    uint64_t sent;            /* when the request was handed to send(): service time starts */
    uint64_t deadline;
    bool txn_failed;
    bool queued;              /* on the worker's ready list */
    size_t req_len, req_off;
    uint8_t trace[16];
    struct load_vu_state st;
    struct load_http_resp resp;
    char req[REQ_MAX];
    char body[];              /* body_cap bytes */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t vu_size(const struct load_config *cfg)
{
    size_t body = cfg->scenario_path ? BODY_MAX : 0;
    size_t sz = sizeof(struct load_vu) + body;
    return (sz + 63) & ~(size_t)63;
}

static struct load_vu *vu_at(struct load_worker *w, unsigned i)
{
    return (struct load_vu *)((char *)w->vus + i * vu_size(w->cfg));
}

/* ---- set-up ------------------------------------------------------------------ */

static bool open_loop(const struct load_worker *w, unsigned g)
{
    return w->cfg->sc.groups[g].rate > 0;
}

int load_worker_init(struct load_worker *w, unsigned id, unsigned nworkers,
                     const struct load_config *cfg, const struct load_pool *pool,
                     const struct load_clock *clk)
{
    const struct load_scenario *sc = &cfg->sc;
    memset(w, 0, sizeof(*w));
    w->id = id;
    w->nworkers = nworkers;
    w->cfg = cfg;
    w->pool = pool;
    w->clk = clk;
    w->epfd = -1;
    load_rng_seed(&w->rng);
    w->ctx = (struct load_step_ctx){.cfg = cfg, .pool = pool, .rng = &w->rng, .worker = id};
    double secs = (double)(clk->end - clk->meas) / 1e9;
    unsigned step = load_stats_step(secs);
    if (load_stats_init(&w->stats, sc->ntimers, sc->ntxns, (unsigned)(secs / step) + 2, step) !=
        0) {
        return -1;
    }
    unsigned total = load_scenario_users(sc), mine = 0;
    for (unsigned i = id; i < total; i += nworkers) {
        mine++;
    }
    w->nvus = mine;
    w->vus = calloc(mine ? mine : 1, vu_size(cfg));
    w->heap.at = calloc(mine ? mine : 1, sizeof(*w->heap.at));
    w->heap.vu = calloc(mine ? mine : 1, sizeof(*w->heap.vu));
    w->ready = calloc(mine ? mine : 1, sizeof(*w->ready));
    w->rbuf = malloc(RBUF_MAX);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!w->vus || !w->heap.at || !w->heap.vu || !w->ready || !w->rbuf || w->epfd < 0) {
        return -1;
    }
    /* Users are numbered over all groups; this worker takes every nworkers-th. */
    unsigned gi = 0, gfirst = 0, k = 0;
    for (unsigned i = id; i < total; i += nworkers) {
        while (i >= gfirst + sc->groups[gi].users) {
            gfirst += sc->groups[gi++].users;
        }
        struct load_vu *v = vu_at(w, k);
        v->fd = -1;
        v->group = gi;
        load_http_resp_init(&v->resp, cfg->scenario_path ? v->body : NULL,
                            cfg->scenario_path ? BODY_MAX : 0);
        if (open_loop(w, gi)) {
            w->sched[gi].nidle++; /* counted now, the arrays come below */
        } else {
            /* Ramp-up: user i of `total` starts at t0 + rampup * i / total. */
            uint64_t at = clk->t0 + (uint64_t)(sc->rampup * 1e9 * i / total);
            v->state = V_WAIT;
            v->intended = at;
            load_heap_push(&w->heap, at, k);
        }
        k++;
    }
    for (unsigned g = 0; g < sc->ngroups; g++) {
        struct load_sched *s = &w->sched[g];
        if (!open_loop(w, g) || s->nidle == 0) {
            continue;
        }
        /* This worker's share of the rate is its share of the group's users. */
        double rate = sc->groups[g].rate * s->nidle / sc->groups[g].users;
        s->interval = (uint64_t)(1e9 / rate);
        s->next = clk->t0 + s->interval * id / nworkers; /* stagger the workers */
        s->idle = calloc(s->nidle, sizeof(unsigned));
        if (!s->idle) {
            return -1;
        }
        s->nidle = 0;
    }
    for (unsigned i = 0; i < w->nvus; i++) {
        struct load_vu *v = vu_at(w, i);
        if (open_loop(w, v->group)) {
            v->state = V_IDLE;
            w->sched[v->group].idle[w->sched[v->group].nidle++] = i;
        }
    }
    return 0;
}

void load_worker_release(struct load_worker *w)
{
    if (!w->cfg) {
        return; /* never set up */
    }
    for (unsigned i = 0; w->vus && i < w->nvus; i++) {
        if (vu_at(w, i)->fd >= 0) {
            close(vu_at(w, i)->fd);
        }
    }
    for (unsigned g = 0; g < LOAD_MAX_GROUPS; g++) {
        free(w->sched[g].idle);
    }
    if (w->epfd >= 0) {
        close(w->epfd);
    }
    free(w->vus);
    free(w->heap.at);
    free(w->heap.vu);
    free(w->ready);
    free(w->rbuf);
    load_stats_release(&w->stats);
}

/* ---- results ------------------------------------------------------------------ */

static bool measured(const struct load_worker *w, uint64_t t)
{
    return t >= w->clk->meas && t < w->clk->end;
}

static void record(struct load_worker *w, struct load_vu *v, uint64_t done, int status,
                   enum load_err err)
{
    if (!measured(w, v->intended)) {
        return;
    }
    const struct load_txn *t = &w->cfg->sc.txns[v->txn];
    struct load_record r = {
        .t_ns = v->intended - w->clk->meas,
        .latency_ns = done - v->intended,
        .service_ns = done > v->sent ? done - v->sent : 0,
        .wait_ns = v->ready - v->intended,
        .st_us = {-1, -1, -1},
        .status = status,
        .txn = v->txn,
        .timer = t->steps[v->step].timer,
        .err = err,
        .trace = v->trace,
    };
    if (status > 0) {
        r.st_us[0] = v->resp.st_app_us;
        r.st_us[1] = v->resp.st_store_us;
        r.st_us[2] = v->resp.st_cache_us;
        r.phases = v->resp.st;
        r.nphases = v->resp.nst;
    }
    load_stats_record(&w->stats, &r);
}

/* ---- the user state machine ------------------------------------------------------ */

static void drive(struct load_worker *w, unsigned i, uint64_t now);
static void start_txn(struct load_worker *w, unsigned i, uint64_t intended, uint64_t now);

static void close_conn(struct load_vu *v)
{
    if (v->fd >= 0) {
        close(v->fd);
        v->fd = -1;
    }
    v->reused = false;
}

static void set_busy(struct load_worker *w, struct load_vu *v, enum vu_state s)
{
    bool was = v->state >= V_CONNECT && v->state <= V_RECV;
    bool is = s >= V_CONNECT && s <= V_RECV;
    w->busy += (unsigned)is - (unsigned)was;
    v->state = s;
}

/* The user is free at `now`: the next transaction, a pause, or a due start. */
static void user_free(struct load_worker *w, unsigned i, uint64_t now, uint64_t pause)
{
    struct load_vu *v = vu_at(w, i);
    struct load_sched *s = &w->sched[v->group];
    bool open = open_loop(w, v->group);
    v->free_at = now;
    /* Open loop: starts scheduled before the end are still owed after it (the
       backlog of a server that fell behind), so only a user with nothing due
       stops. */
    if (now >= w->clk->stop ||
        (now >= w->clk->end && !(open && s->next <= now && s->next < w->clk->end))) {
        set_busy(w, v, V_DONE);
        return;
    }
    if (pause) {
        set_busy(w, v, V_WAIT);
        v->intended = now + pause;
        load_heap_push(&w->heap, now + pause, i);
        return;
    }
    if (!open) {
        start_txn(w, i, now, now);
        return;
    }
    if (s->next <= now && s->next < w->clk->end) {
        uint64_t slot = s->next;
        s->next += s->interval;
        start_txn(w, i, slot, now);
        return;
    }
    set_busy(w, v, V_IDLE);
    s->idle[s->nidle++] = i;
}

/* The transaction ended (done, failed, or cut short by the end of the run:
   cut ones are neither counted nor failed, they were simply not finished). */
static void txn_done(struct load_worker *w, unsigned i, uint64_t now, bool conn_failed,
                     bool cut)
{
    struct load_vu *v = vu_at(w, i);
    const struct load_txn *t = &w->cfg->sc.txns[v->txn];
    if (!cut && measured(w, v->txn_start)) {
        load_stats_txn(&w->stats, v->txn, now - v->txn_start, v->txn_failed);
    }
    uint64_t pause = conn_failed ? BACKOFF_NS : 0;
    if (!open_loop(w, v->group)) {
        pause += ((uint64_t)t->think_ms + (uint64_t)w->cfg->think_ms) * 1000000u;
    }
    user_free(w, i, now, pause);
}

static void start_request(struct load_worker *w, unsigned i, uint64_t intended, uint64_t now)
{
    struct load_vu *v = vu_at(w, i);
    const struct load_step *s = &w->cfg->sc.txns[v->txn].steps[v->step];
    v->intended = intended;
    /* It could go out at its intended start, or once the user was free, whichever
       is later; anything after that is the generator's own delay. */
    v->ready = intended > v->free_at ? intended : v->free_at;
    v->retried = false;
    int n = load_step_request(s->kind, &w->ctx, &v->st, v->req, sizeof(v->req), v->trace);
    if (n < 0) {
        /* Nothing to act on (e.g. reveal before anything was drawn): an error of the
           scenario, counted so it shows, and the transaction ends. */
        memset(v->trace, 0, sizeof(v->trace));
        record(w, v, now, 0, LOAD_ERR_ASSERT);
        v->txn_failed = true;
        txn_done(w, i, now, true, false);
        return;
    }
    v->req_len = (size_t)n;
    v->req_off = 0;
    load_http_resp_reset(&v->resp, false);
    v->deadline = now + (uint64_t)w->cfg->timeout_ms * 1000000u;
    set_busy(w, v, v->fd >= 0 ? V_SEND : V_CONNECT);
    v->sent = now_ns();
    if (measured(w, intended)) {
        load_stats_lag(&w->stats, intended - w->clk->meas,
                       v->sent > v->ready ? v->sent - v->ready : 0);
    }
    if (w->depth < 8) {
        drive(w, i, now);
    } else if (!v->queued) {
        /* A server that answers before recv() returns could recurse without end
           (answer -> next request -> answer ...): let the loop send this one. */
        v->queued = true;
        w->ready[w->nready++] = i;
    }
}

static void start_txn(struct load_worker *w, unsigned i, uint64_t intended, uint64_t now)
{
    struct load_vu *v = vu_at(w, i);
    const struct load_group *g = &w->cfg->sc.groups[v->group];
    double pick = load_rng_unit(&w->rng) * g->cum_weight[g->ntxns - 1];
    unsigned k = 0;
    while (k + 1 < g->ntxns && pick >= g->cum_weight[k]) {
        k++;
    }
    v->txn = g->txns[k];
    v->step = 0;
    v->rep = 0;
    v->txn_start = intended;
    v->txn_failed = false;
    memset(&v->st, 0, sizeof(v->st));
    start_request(w, i, intended, now);
}

/* The answer is complete (or the request failed with err). */
static void finish(struct load_worker *w, unsigned i, uint64_t now, enum load_err err)
{
    struct load_vu *v = vu_at(w, i);
    const struct load_txn *t = &w->cfg->sc.txns[v->txn];
    const struct load_step *s = &t->steps[v->step];
    int status = err == LOAD_ERR_NONE ? v->resp.status : 0;
    v->free_at = now;
    if (err == LOAD_ERR_NONE) {
        err = load_step_response(s->kind, &v->st, status, v->body, v->resp.body_len);
        if (!v->resp.keep_alive) {
            close_conn(v);
        } else {
            v->reused = true;
        }
    } else {
        close_conn(v);
    }
    record(w, v, now, status, err);
    if (err == LOAD_ERR_NONE && now >= w->clk->meas && now < w->clk->end) {
        /* Successful answers within the period, counted when they complete (warm-up
           requests included): what the server delivered, the achieved rate. */
        load_stats_completed(&w->stats, now - w->clk->meas);
    }
    if (err != LOAD_ERR_NONE) {
        v->txn_failed = true;
        txn_done(w, i, now, err == LOAD_ERR_CONNECT, false);
        return;
    }
    if (++v->rep >= s->repeat) {
        v->rep = 0;
        v->step++;
    }
    if (v->step < t->nsteps && now < w->clk->end) {
        start_request(w, i, now, now);
    } else {
        txn_done(w, i, now, false, v->step < t->nsteps);
    }
}

static bool do_connect(struct load_worker *w, struct load_vu *v)
{
    v->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (v->fd < 0) {
        return false;
    }
    int one = 1;
    setsockopt(v->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(v->fd, (const struct sockaddr *)&w->cfg->addr, sizeof(w->cfg->addr)) != 0 &&
        errno != EINPROGRESS) {
        return false;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
    ev.data.u32 = (uint32_t)(((char *)v - (char *)w->vus) / vu_size(w->cfg));
    return epoll_ctl(w->epfd, EPOLL_CTL_ADD, v->fd, &ev) == 0;
}

/* GET, HEAD, PUT, DELETE, OPTIONS may be sent twice (RFC 9110 9.2.2); a POST
   (a join, a draw) may have reached the server and been done before the
   connection dropped, so it is never replayed. */
static bool idempotent(const char *req)
{
    return strncmp(req, "GET ", 4) == 0 || strncmp(req, "HEAD ", 5) == 0 ||
           strncmp(req, "PUT ", 4) == 0 || strncmp(req, "DELETE ", 7) == 0 ||
           strncmp(req, "OPTIONS ", 8) == 0;
}

/* A kept connection the server closed before answering (it timed the connection
   out as we sent): resend an idempotent request once on a new one, and count it. */
static bool resend(struct load_worker *w, struct load_vu *v)
{
    if (!v->reused || v->retried || v->resp.status != 0 || v->resp.line_len != 0 ||
        !idempotent(v->req)) {
        return false;
    }
    close_conn(v);
    if (measured(w, v->intended)) {
        w->stats.retries++;
    }
    v->retried = true;
    v->req_off = 0;
    load_http_resp_reset(&v->resp, false);
    return true;
}

static void drive_once(struct load_worker *w, unsigned i, uint64_t now);

static void drive(struct load_worker *w, unsigned i, uint64_t now)
{
    w->depth++;
    drive_once(w, i, now);
    w->depth--;
}

static void drive_once(struct load_worker *w, unsigned i, uint64_t now)
{
    struct load_vu *v = vu_at(w, i);
    for (;;) {
        switch (v->state) {
        case V_CONNECT:
            if (v->fd < 0) {
                if (!do_connect(w, v)) {
                    finish(w, i, now, LOAD_ERR_CONNECT);
                    return;
                }
            }
            v->state = V_SEND; /* busy either way; a failed connect shows on send */
            break;
        case V_SEND: {
            ssize_t n = send(v->fd, v->req + v->req_off, v->req_len - v->req_off, MSG_NOSIGNAL);
            if (n > 0) {
                v->req_off += (size_t)n;
                if (v->req_off == v->req_len) {
                    v->state = V_RECV;
                }
                break;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                return;
            }
            if (resend(w, v)) {
                v->state = V_CONNECT;
                break;
            }
            finish(w, i, now, LOAD_ERR_CONNECT);
            return;
        }
        case V_RECV: {
            ssize_t n = recv(v->fd, w->rbuf, RBUF_MAX, 0);
            enum load_http_result r;
            if (n > 0) {
                size_t used;
                r = load_http_feed(&v->resp, w->rbuf, (size_t)n, &used);
            } else if (n == 0) {
                if (resend(w, v)) {
                    v->state = V_CONNECT;
                    break;
                }
                r = load_http_eof(&v->resp);
                if (r == LOAD_HTTP_ERROR) {
                    finish(w, i, now, v->resp.status ? LOAD_ERR_PARSE : LOAD_ERR_CONNECT);
                    return;
                }
            } else if (errno == EAGAIN || errno == EINTR) {
                return;
            } else {
                if (resend(w, v)) {
                    v->state = V_CONNECT;
                    break;
                }
                finish(w, i, now, LOAD_ERR_CONNECT);
                return;
            }
            if (r == LOAD_HTTP_DONE) {
                finish(w, i, now_ns(), LOAD_ERR_NONE);
                return;
            }
            if (r == LOAD_HTTP_ERROR) {
                finish(w, i, now, LOAD_ERR_PARSE);
                return;
            }
            break;
        }
        default:
            return;
        }
    }
}

/* ---- the loop ------------------------------------------------------------------ */

/* Users whose send start_request deferred, in the order they were deferred. A
   user is on the list at most once (queued), so nvus entries always suffice. */
static void run_ready(struct load_worker *w, uint64_t now)
{
    unsigned n = w->nready;
    w->nready = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = w->ready[k];
        struct load_vu *v = vu_at(w, i);
        v->queued = false;
        if (v->state >= V_CONNECT && v->state <= V_RECV) {
            drive(w, i, now);
        }
    }
}

static void timers(struct load_worker *w, uint64_t now)
{
    while (w->heap.n > 0 && w->heap.at[0] <= now) {
        unsigned i = load_heap_pop(&w->heap);
        struct load_vu *v = vu_at(w, i);
        if (open_loop(w, v->group)) {
            user_free(w, i, now, 0);
        } else if (now >= w->clk->end) {
            set_busy(w, v, V_DONE);
        } else {
            start_txn(w, i, v->intended, now);
        }
    }
    for (unsigned g = 0; g < w->cfg->sc.ngroups; g++) {
        struct load_sched *s = &w->sched[g];
        while (s->nidle > 0 && s->next <= now && s->next < w->clk->end) {
            uint64_t slot = s->next;
            s->next += s->interval;
            start_txn(w, s->idle[--s->nidle], slot, now);
        }
    }
    if (now >= w->next_scan) {
        w->next_scan = now + SCAN_NS;
        for (unsigned i = 0; w->busy > 0 && i < w->nvus; i++) {
            struct load_vu *v = vu_at(w, i);
            if (v->state >= V_CONNECT && v->state <= V_RECV &&
                (now >= v->deadline || now >= w->clk->stop)) {
                finish(w, i, now, LOAD_ERR_TIMEOUT);
            }
        }
    }
}

/* Open loop: starts owed from the measured period that no user could take before
   the stop (the server fell too far behind) are requests that never got an
   answer: timeouts, with the latency they had reached, not silently dropped. */
static void unsent(struct load_worker *w, uint64_t now)
{
    static const uint8_t no_trace[16];
    for (unsigned g = 0; g < w->cfg->sc.ngroups; g++) {
        struct load_sched *s = &w->sched[g];
        const struct load_group *gr = &w->cfg->sc.groups[g];
        for (; s->interval && s->next < w->clk->end; s->next += s->interval) {
            if (s->next < w->clk->meas) {
                continue;
            }
            unsigned txn = gr->txns[0];
            struct load_record r = {.t_ns = s->next - w->clk->meas, .latency_ns = now - s->next,
                                    .st_us = {-1, -1, -1}, .txn = txn,
                                    .timer = w->cfg->sc.txns[txn].steps[0].timer,
                                    .err = LOAD_ERR_TIMEOUT, .trace = no_trace};
            load_stats_record(&w->stats, &r);
        }
    }
}

/* How long epoll may sleep: until the next wake-up, due start or timeout scan. */
static uint64_t next_event(struct load_worker *w, uint64_t now)
{
    uint64_t at = w->clk->stop;
    if (w->heap.n > 0 && w->heap.at[0] < at) {
        at = w->heap.at[0];
    }
    for (unsigned g = 0; g < w->cfg->sc.ngroups; g++) {
        if (w->sched[g].nidle > 0 && w->sched[g].next < at) {
            at = w->sched[g].next;
        }
    }
    if (w->busy > 0 && w->next_scan < at) {
        at = w->next_scan;
    }
    if (w->nready > 0) {
        return 0;
    }
    if (now >= w->clk->end && at > now + SCAN_NS) {
        at = now + SCAN_NS; /* after the end: check often whether everyone is done */
    }
    return at > now ? at - now : 0;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void load_worker_run(struct load_worker *w)
{
    struct epoll_event ev[256];
    uint64_t cpu0 = thread_cpu_ns(), wall0 = now_ns();
    bool halted = false;
    for (;;) {
        uint64_t now = now_ns();
        if (atomic_load_explicit(w->clk->halt, memory_order_relaxed)) {
            halted = true; /* Ctrl-C: what is in flight is neither answered nor failed */
            break;
        }
        /* Driving deferred users may defer others again; the rest wait a turn. */
        run_ready(w, now);
        timers(w, now);
        if (now >= w->clk->stop || (now >= w->clk->end && w->busy == 0)) {
            break;
        }
        uint64_t wait = next_event(w, now);
        if (wait > HALT_POLL_NS) {
            wait = HALT_POLL_NS; /* see a Ctrl-C soon even when nothing is due */
        }
        struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000u),
                              .tv_nsec = (long)(wait % 1000000000u)};
        int n = epoll_pwait2(w->epfd, ev, 256, &ts, NULL);
        if (n < 0 && errno != EINTR) {
            break;
        }
        now = now_ns();
        for (int k = 0; k < n; k++) {
            unsigned i = ev[k].data.u32;
            if (i < w->nvus) {
                drive(w, i, now);
            }
        }
    }
    /* Whatever is still in flight at stop never answered in time. */
    if (!halted) {
        uint64_t end = w->clk->stop > now_ns() ? w->clk->stop : now_ns();
        w->next_scan = 0;
        timers(w, end);
        unsent(w, end);
    }
    w->cpu_ns = thread_cpu_ns() - cpu0;
    w->loop_ns = now_ns() - wall0;
}
