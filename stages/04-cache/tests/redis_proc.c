/*
 * redis_proc.c - a real redis-server for tests (see redis_proc.h).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "redis_proc.h"
#include "testproc.h"

/* AUTH on a fresh connection: true when Redis says +OK. */
static bool auth(int fd, const char *password)
{
    char line[96], reply[64];
    int n = snprintf(line, sizeof line, "AUTH %s\r\n", password);
    if (n <= 0 || (size_t)n >= sizeof line || write(fd, line, (size_t)n) != n)
        return false;
    size_t got = 0;
    while (got + 1 < sizeof reply) { /* up to the reply's CRLF, byte by byte */
        if (read(fd, reply + got, 1) != 1)
            return false;
        if (reply[got++] == '\n')
            break;
    }
    reply[got] = '\0';
    return strncmp(reply, "+OK", 3) == 0;
}

void redis_proc_url(const struct redis_proc *r, char *out, size_t cap)
{
    snprintf(out, cap, ":%s@127.0.0.1:%d", r->password, r->port);
}

long redis_proc_command(const struct redis_proc *r, const char *cmd, char *out, size_t cap)
{
    int fd = testproc_connect(r->port, 2000);
    if (fd < 0)
        return -1;
    if (!auth(fd, r->password)) {
        close(fd);
        return -1;
    }
    char line[512];
    int n = snprintf(line, sizeof line, "%s\r\n", cmd);
    long got = -1;
    if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) == n) {
        got = 0;
        /* A reply may come in pieces: read until a short pause. */
        for (;;) {
            ssize_t k = read(fd, out + got, cap - 1 - (size_t)got);
            if (k <= 0)
                break;
            got += k;
            if ((size_t)got >= cap - 1)
                break;
            struct timeval tv = {0, 100000};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        }
        out[got] = '\0';
    }
    close(fd);
    return got;
}

static pid_t spawn(struct redis_proc *r)
{
    char port[16], log[96];
    snprintf(port, sizeof port, "%d", r->port);
    snprintf(log, sizeof log, "%s/redis.log", r->dir);
    const char *bin = getenv("SANTA_REDIS_SERVER");
    if (bin == NULL || bin[0] == '\0')
        bin = "redis-server";
    const char *const argv[] = {bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--daemonize", "no", "--dir", r->dir,
                                "--protected-mode", "yes", "--requirepass", r->password, NULL};
    return testproc_spawn(argv, log);
}

static int wait_ready(struct redis_proc *r)
{
    char buf[64];
    for (int i = 0; i < 200; i++) {
        if (redis_proc_command(r, "PING", buf, sizeof buf) > 0 && strncmp(buf, "+PONG", 5) == 0)
            return 0;
        if (testproc_exited(r->pid, NULL)) {
            r->pid = 0;
            return -1;
        }
        testproc_sleep_ms(25);
    }
    return -1;
}

int redis_proc_restart(struct redis_proc *r)
{
    r->pid = spawn(r);
    if (r->pid <= 0)
        return -1;
    return wait_ready(r);
}

int redis_proc_start(struct redis_proc *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/santa-redis-XXXXXX");
    if (mkdtemp(r->dir) == NULL)
        return -1;
    /* A password nobody could guess, as in deploy/local. */
    unsigned char raw[16];
    FILE *u = fopen("/dev/urandom", "rb");
    size_t got = u ? fread(raw, 1, sizeof raw, u) : 0;
    if (u)
        fclose(u);
    if (got != sizeof raw)
        return -1;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(r->password + 2 * i, 3, "%02x", raw[i]);
    /* Another process may take the probed port first: then try another. */
    for (int attempt = 0; attempt < 5; attempt++) {
        r->port = testproc_free_port();
        if (r->port > 0 && redis_proc_restart(r) == 0)
            return 0;
        redis_proc_kill(r);
    }
    return -1;
}

void redis_proc_kill(struct redis_proc *r)
{
    testproc_stop(r->pid, SIGKILL, 30000); /* SIGCONT first: it may be paused */
    r->pid = 0;
}

void redis_proc_pause(struct redis_proc *r, bool paused)
{
    if (r->pid > 0)
        kill(r->pid, paused ? SIGSTOP : SIGCONT);
}

void redis_proc_cleanup(struct redis_proc *r)
{
    redis_proc_kill(r);
    if (r->dir[0]) {
        char path[128];
        snprintf(path, sizeof path, "%s/redis.log", r->dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/dump.rdb", r->dir);
        unlink(path);
        rmdir(r->dir);
        r->dir[0] = '\0';
    }
}
