/*
 * load_pool.c - the set-up phase (see load_pool.h): creates, joins and draws
 * through the API with a few blocking connections in parallel, each taking
 * the next job from a shared counter.
 */
#include "load_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load_client.h"
#include "load_config.h"
#include "load_steps.h"

enum phase { PH_CREATE, PH_JOIN, PH_DRAW };

struct seed_run {
    struct load_pool *pool;
    const struct load_config *cfg;
    enum phase phase;
    uint32_t njobs;
    uint32_t ndraw;
    _Atomic uint32_t next;
    _Atomic uint32_t done;
    _Atomic int failed;
    long long deadline_ms;  /* CLOCK_MONOTONIC: the set-up must be done by then */
    char err[256];
    pthread_mutex_t err_lock;
};

struct seed_worker {
    struct seed_run *run;
    unsigned id;
    pthread_t thread;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_error(struct seed_run *r, const char *what, int status, const char *body)
{
    pthread_mutex_lock(&r->err_lock);
    if (!atomic_exchange(&r->failed, 1)) {
        snprintf(r->err, sizeof(r->err), "set-up: %s failed (%s %d): %.120s", what,
                 status < 0 ? "no answer," : "HTTP", status, body ? body : "");
    }
    pthread_mutex_unlock(&r->err_lock);
}

/* One step through the blocking client, retried on network failure. */
static int call(struct seed_run *r, struct load_client *c, struct load_step_ctx *ctx,
                enum load_step_kind kind, struct load_vu_state *st)
{
    char req[2048];
    uint8_t trace[16];
    int len = load_step_request(kind, ctx, st, req, sizeof(req), trace);
    if (len < 0) {
        set_error(r, load_step_name(kind), -1, "could not build the request");
        return -1;
    }
    int status = -1;
    for (int tries = 0; tries < 3 && status < 0; tries++) {
        status = load_client_do(c, req, (size_t)len);
    }
    if (status < 0 || load_step_response(kind, st, status, c->body, c->resp.body_len) !=
                          LOAD_ERR_NONE) {
        set_error(r, load_step_name(kind), status, status < 0 ? NULL : c->body);
        return -1;
    }
    return 0;
}

static int job(struct seed_run *r, struct load_client *c, struct load_step_ctx *ctx, uint32_t i)
{
    struct load_pool *p = r->pool;
    struct load_vu_state st;
    memset(&st, 0, sizeof(st));
    if (r->phase == PH_CREATE) {
        if (call(r, c, ctx, LOAD_STEP_CREATE_EXCHANGE, &st) != 0) {
            return -1;
        }
        struct load_pool_ex *e = &p->ex[i];
        memcpy(e->id, st.ex, sizeof(e->id));
        memcpy(e->admin, st.admin, sizeof(e->admin));
        memcpy(e->invite, st.invite, sizeof(e->invite));
        return 0;
    }
    uint32_t ex = r->phase == PH_JOIN ? i % p->nex : i;
    st.has_ex = true;
    memcpy(st.ex, p->ex[ex].id, sizeof(st.ex));
    memcpy(st.admin, p->ex[ex].admin, sizeof(st.admin));
    memcpy(st.invite, p->ex[ex].invite, sizeof(st.invite));
    if (r->phase == PH_JOIN) {
        if (call(r, c, ctx, LOAD_STEP_JOIN, &st) != 0) {
            return -1;
        }
        struct load_pool_part *pp = &p->parts[i];
        pp->ex = ex;
        memcpy(pp->id, st.pid, sizeof(pp->id));
        memcpy(pp->token, st.ptoken, sizeof(pp->token));
        return 0;
    }
    if (call(r, c, ctx, LOAD_STEP_DRAW, &st) != 0) {
        return -1;
    }
    p->ex[ex].drawn = true;
    return 0;
}

static void *seed_main(void *arg)
{
    struct seed_worker *w = arg;
    struct seed_run *r = w->run;
    struct load_client c;
    struct load_rng rng;
    load_rng_seed(&rng);
    struct load_step_ctx ctx = {.cfg = r->cfg, .pool = r->pool, .rng = &rng,
                                .worker = 1000 + w->id};
    if (load_client_init(&c, &r->cfg->addr, 64 * 1024, (int)r->cfg->timeout_ms + 30000) != 0) {
        set_error(r, "set-up", -1, "out of memory");
        return NULL;
    }
    for (;;) {
        uint32_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->njobs || atomic_load(&r->failed)) {
            break;
        }
        if (mono_ms() > r->deadline_ms) {
            set_error(r, "set-up", -1, "did not finish within --setup-timeout");
            break;
        }
        if (job(r, &c, &ctx, i) != 0) {
            break;
        }
        atomic_fetch_add(&r->done, 1);
    }
    load_client_release(&c);
    return NULL;
}

static int run_phase(struct seed_run *r, enum phase ph, uint32_t njobs, unsigned workers,
                     bool quiet)
{
    static const char *const names[] = {"creating exchanges", "joining participants",
                                        "drawing exchanges"};
    struct seed_worker w[32];
    if (workers > 32) {
        workers = 32;
    }
    r->phase = ph;
    r->njobs = njobs;
    atomic_store(&r->next, 0);
    atomic_store(&r->done, 0);
    unsigned started = 0;
    for (; started < workers; started++) {
        w[started] = (struct seed_worker){.run = r, .id = started};
        if (pthread_create(&w[started].thread, NULL, seed_main, &w[started]) != 0) {
            break;
        }
    }
    if (started == 0) {
        set_error(r, "set-up", -1, "cannot start a thread");
    }
    bool tty = !quiet && isatty(2);
    while (tty && started && atomic_load(&r->done) < njobs && !atomic_load(&r->failed)) {
        fprintf(stderr, "\rset-up: %s %u/%u ", names[ph], atomic_load(&r->done), njobs);
        nanosleep(&(struct timespec){.tv_nsec = 200000000}, NULL);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
    }
    if (!quiet) {
        fprintf(stderr, "%sset-up: %s %u/%u\n", tty ? "\r" : "", names[ph], atomic_load(&r->done),
                njobs);
    }
    return atomic_load(&r->failed) ? -1 : 0;
}

int load_pool_seed(struct load_pool *p, const struct load_config *cfg, unsigned exchanges,
                   unsigned participants, unsigned workers, bool quiet, char *err, size_t errn)
{
    memset(p, 0, sizeof(*p));
    if (exchanges == 0) {
        return 0;
    }
    p->nex = exchanges;
    p->nparts = participants;
    p->ex = calloc(exchanges, sizeof(*p->ex));
    p->parts = calloc(participants ? participants : 1, sizeof(*p->parts));
    p->open = calloc(exchanges, sizeof(*p->open));
    p->drawn_parts = calloc(participants ? participants : 1, sizeof(*p->drawn_parts));
    if (!p->ex || !p->parts || !p->open || !p->drawn_parts) {
        snprintf(err, errn, "set-up: out of memory for %u participants", participants);
        load_pool_release(p);
        return -1;
    }
    struct seed_run r = {.pool = p, .cfg = cfg,
                         .deadline_ms = mono_ms() + (long long)cfg->setup_timeout_s * 1000};
    pthread_mutex_init(&r.err_lock, NULL);
    int rc = run_phase(&r, PH_CREATE, exchanges, workers, quiet);
    if (rc == 0 && participants) {
        rc = run_phase(&r, PH_JOIN, participants, workers, quiet);
    }
    /* Draw the first half (all of a single exchange): reveals need drawn
       exchanges, joins open ones. A draw needs three participants. */
    uint32_t ndraw = exchanges >= 2 ? exchanges / 2 : exchanges;
    uint32_t per_ex = participants / exchanges;
    if (rc == 0 && per_ex >= 3) {
        rc = run_phase(&r, PH_DRAW, ndraw, workers, quiet);
    }
    pthread_mutex_destroy(&r.err_lock);
    if (rc != 0) {
        snprintf(err, errn, "%s", r.err);
        load_pool_release(p);
        return -1;
    }
    for (uint32_t i = 0; i < exchanges; i++) {
        if (!p->ex[i].drawn) {
            p->open[p->nopen++] = i;
        }
    }
    for (uint32_t i = 0; i < participants; i++) {
        if (p->ex[p->parts[i].ex].drawn) {
            p->drawn_parts[p->ndrawn_parts++] = i;
        }
    }
    return 0;
}

void load_pool_release(struct load_pool *p)
{
    free(p->ex);
    free(p->parts);
    free(p->open);
    free(p->drawn_parts);
    memset(p, 0, sizeof(*p));
}
