/*
 * load_client.c - the blocking client (see load_client.h): connect, write,
 * poll and read until the parser says the answer is complete.
 */
#include "load_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int load_client_init(struct load_client *c, const struct sockaddr_in *addr, size_t body_cap,
                     int timeout_ms)
{
    memset(c, 0, sizeof(*c));
    c->addr = *addr;
    c->fd = -1;
    c->timeout_ms = timeout_ms;
    c->body = malloc(body_cap);
    c->body_cap = body_cap;
    return c->body ? 0 : -1;
}

void load_client_release(struct load_client *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->body);
    c->body = NULL;
    c->fd = -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short ev, long long deadline)
{
    long long left = deadline - now_ms();
    if (left <= 0) {
        return -1;
    }
    struct pollfd p = {.fd = fd, .events = ev};
    int n;
    do {
        n = poll(&p, 1, (int)left);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

static int connect_to(struct load_client *c, long long deadline)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        return -1;
    }
    if (connect(c->fd, (const struct sockaddr *)&c->addr, sizeof(c->addr)) != 0) {
        int err = 0;
        socklen_t el = sizeof(err);
        if (errno != EINPROGRESS || wait_fd(c->fd, POLLOUT, deadline) != 0 ||
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            int saved = err ? err : errno;
            close(c->fd);
            c->fd = -1;
            errno = saved;
            return -1;
        }
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t len, long long deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            if (wait_fd(fd, POLLOUT, deadline) != 0) {
                return -1;
            }
        } else {
            return -1;
        }
    }
    return 0;
}

/* One attempt on the current connection; fresh says whether it was just opened
   (a kept connection the server already closed is retried once by the caller). */
static int attempt(struct load_client *c, const char *req, size_t len, long long deadline)
{
    char buf[16384];
    load_http_resp_init(&c->resp, c->body, c->body_cap - 1);
    if (write_all(c->fd, req, len, deadline) != 0) {
        return -1;
    }
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        enum load_http_result r;
        if (n > 0) {
            size_t used;
            r = load_http_feed(&c->resp, buf, (size_t)n, &used);
        } else if (n == 0) {
            r = load_http_eof(&c->resp);
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN) {
            if (wait_fd(c->fd, POLLIN, deadline) != 0) {
                return -1;
            }
            continue;
        } else {
            return -1;
        }
        if (r == LOAD_HTTP_DONE) {
            c->body[c->resp.body_len] = '\0';
            return c->resp.status;
        }
        if (r == LOAD_HTTP_ERROR || n == 0) {
            return -1;
        }
    }
}

int load_client_do(struct load_client *c, const char *req, size_t len)
{
    long long deadline = now_ms() + c->timeout_ms;
    for (int tries = 0; tries < 2; tries++) {
        bool fresh = c->fd < 0;
        if (fresh && connect_to(c, deadline) != 0) {
            return -1;
        }
        int status = attempt(c, req, len, deadline);
        if (status > 0 && !c->resp.keep_alive) {
            close(c->fd);
            c->fd = -1;
        }
        if (status > 0) {
            return status;
        }
        close(c->fd);
        c->fd = -1;
        if (fresh) {
            return -1;
        }
    }
    return -1;
}

int load_client_probe(const struct sockaddr_in *addr, int timeout_ms)
{
    struct load_client c = {.addr = *addr, .fd = -1, .timeout_ms = timeout_ms};
    if (connect_to(&c, now_ms() + timeout_ms) != 0) {
        if (errno == 0 || errno == EINPROGRESS) {
            errno = ETIMEDOUT;
        }
        return -1;
    }
    close(c.fd);
    return 0;
}
