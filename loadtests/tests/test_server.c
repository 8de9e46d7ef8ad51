/*
 * test_server.c - see test_server.h. Request heads are found by their blank
 * line; a request body (a POST's JSON) is skipped by its Content-Length.
 */
#include "test_server.h"
#include "testproc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 128
#define HEAD_MAX 4096

struct conn {
    int fd;
    unsigned served;      /* requests answered on this connection */
    size_t len, skip;     /* bytes of the current head; body bytes still to skip */
    char head[HEAD_MAX];
};

static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                             "Server-Timing: app;dur=0.010\r\n\r\nok";

static size_t content_length(const char *head)
{
    const char *p = strcasestr(head, "\r\ncontent-length:");
    return p ? (size_t)strtoul(p + 17, NULL, 10) : 0;
}

/* One complete head in c->head: act on it. Returns false when c was closed. */
static bool on_request(struct test_server *s, struct conn *c)
{
    bool post = strncmp(c->head, "POST ", 5) == 0;
    atomic_fetch_add(post ? &s->posts : &s->gets, 1);
    if ((s->mode == TS_DROP_POST && post) || (s->mode == TS_DROP_SECOND && c->served == 1)) {
        close(c->fd);
        return false;
    }
    c->skip = content_length(c->head);
    if (s->mode == TS_SLOW) {
        nanosleep(&(struct timespec){.tv_nsec = 50000000L}, NULL);
    }
    ssize_t n = send(c->fd, answer, sizeof(answer) - 1, MSG_NOSIGNAL);
    (void)n;
    c->served++;
    atomic_fetch_add(&s->answered, 1);
    return true;
}

/* Feeds received bytes; false when the connection is gone. */
static bool feed(struct test_server *s, struct conn *c, const char *buf, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (c->skip > 0) {
            c->skip--;
            continue;
        }
        if (c->len + 1 < HEAD_MAX) {
            c->head[c->len++] = buf[k];
            c->head[c->len] = '\0';
        }
        if (c->len >= 4 && memcmp(c->head + c->len - 4, "\r\n\r\n", 4) == 0) {
            if (!on_request(s, c)) {
                return false;
            }
            c->len = 0;
        }
    }
    return true;
}

static void serve(struct test_server *s)
{
    static struct conn conns[MAX_CLIENTS];
    struct pollfd p[MAX_CLIENTS + 1];
    int nfd = 1;
    p[0] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
    while (!atomic_load(&s->stop)) {
        if (poll(p, (nfds_t)nfd, 50) <= 0) {
            continue;
        }
        if ((p[0].revents & POLLIN) && nfd < MAX_CLIENTS + 1) {
            int fd = accept(s->lfd, NULL, NULL);
            if (fd >= 0) {
                conns[nfd - 1] = (struct conn){.fd = fd};
                p[nfd++] = (struct pollfd){.fd = fd, .events = POLLIN};
            }
        }
        for (int i = 1; i < nfd; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            char buf[8192];
            ssize_t n = recv(p[i].fd, buf, sizeof(buf), 0);
            bool alive = n > 0 && feed(s, &conns[i - 1], buf, (size_t)n);
            if (!alive) {
                if (n <= 0) {
                    close(p[i].fd);
                }
                conns[i - 1] = conns[nfd - 2];
                p[i] = p[--nfd];
                i--;
            }
        }
    }
    for (int i = 1; i < nfd; i++) {
        close(p[i].fd);
    }
}

static void *serve_main(void *arg)
{
    serve(arg);
    return NULL;
}

static void bind_free(struct test_server *s, enum test_server_mode mode)
{
    int port = 0;
    s->mode = mode;
    s->lfd = testproc_listen(SOCK_STREAM, &port); /* a port the kernel chose */
    assert_true(s->lfd >= 0);
    s->port = (uint16_t)port;
    atomic_store(&s->stop, 0);
    atomic_store(&s->gets, 0);
    atomic_store(&s->posts, 0);
    atomic_store(&s->answered, 0);
}

void test_server_start(struct test_server *s, enum test_server_mode mode)
{
    bind_free(s, mode);
    s->child = 0;
    assert_int_equal(pthread_create(&s->thread, NULL, serve_main, s), 0);
}

void test_server_stop(struct test_server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

void test_server_fork(struct test_server *s, enum test_server_mode mode)
{
    bind_free(s, mode);
    s->child = testproc_fork(); /* never outlives the test */
    assert_true(s->child >= 0);
    if (s->child == 0) {
        serve(s);
        _exit(0);
    }
}

void test_server_kill(struct test_server *s)
{
    testproc_stop(s->child, SIGKILL, 30000);
    close(s->lfd);
}
