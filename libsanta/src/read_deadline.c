/*
 * read_deadline.c - a per-thread timer signal that ends a blocked read
 * (see read_deadline.h for why).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "read_deadline.h"
#include "santa/api.h"

/* This thread's timer; created on first use, deleted at thread exit. */
static _Thread_local struct {
    bool made;
    timer_t id;
} me;

static void on_deadline(int sig)
{
    (void)sig; /* the interrupted poll() is the whole point */
}

int santa_read_deadline_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_deadline;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls must return EINTR */
    return sigaction(SANTA_READ_DEADLINE_SIGNAL, &sa, NULL);
}

bool santa_read_deadline_arm(uint64_t deadline_ns)
{
    if (!me.made) {
        struct sigevent ev;
        memset(&ev, 0, sizeof ev);
        ev.sigev_notify = SIGEV_THREAD_ID;
        ev.sigev_signo = SANTA_READ_DEADLINE_SIGNAL;
        ev._sigev_un._tid = gettid();
        if (timer_create(CLOCK_MONOTONIC, &ev, &me.id) != 0)
            return false;
        me.made = true;
    }
    uint64_t now = santa_now_ns();
    uint64_t in = deadline_ns > now ? deadline_ns - now : 1;
    struct itimerspec its = {
        .it_value = {(time_t)(in / 1000000000u), (long)(in % 1000000000u)},
        .it_interval = {0, 50 * 1000000L},
    };
    return timer_settime(me.id, 0, &its, NULL) == 0;
}

void santa_read_deadline_disarm(void)
{
    if (!me.made)
        return;
    struct itimerspec off;
    memset(&off, 0, sizeof off);
    timer_settime(me.id, 0, &off, NULL);
    /* A signal that was already pending is delivered as this system call
     * returns, to the empty handler: none is left to interrupt later work. */
}

void santa_read_deadline_thread_exit(void)
{
    if (me.made) {
        timer_delete(me.id);
        me.made = false;
    }
}
