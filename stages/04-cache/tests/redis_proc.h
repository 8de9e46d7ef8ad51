/*
 * redis_proc.h - a real redis-server for tests, on a free loopback port.
 *
 * Starts `redis-server` (found on PATH, or $SANTA_REDIS_SERVER) with its
 * configuration on the command line: 127.0.0.1 only, no persistence, a
 * fresh temp directory, and a random password (requirepass), as
 * deploy/local starts it. Tests stop it (SIGKILL: a crash), pause it
 * (SIGSTOP: a Redis that no longer answers) and start it again on the same
 * port. redis_proc_command() speaks just enough RESP for a test to look
 * inside (KEYS, DBSIZE); it is not a client library.
 */
#ifndef SANTA_TESTS_REDIS_PROC_H
#define SANTA_TESTS_REDIS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct redis_proc {
    char dir[64];
    char password[33]; /* random hex, kept across restarts */
    int port;
    pid_t pid;
};

/* Starts on a fresh free port; 0 when it answers PING. */
int redis_proc_start(struct redis_proc *r);
/* Starts again on the same port (after redis_proc_kill); 0 when it answers. */
int redis_proc_restart(struct redis_proc *r);
/* SIGKILL and reap. */
void redis_proc_kill(struct redis_proc *r);
/* SIGSTOP / SIGCONT: a Redis that hangs, then recovers. */
void redis_proc_pause(struct redis_proc *r, bool paused);
/* Kills it if running and removes its directory. */
void redis_proc_cleanup(struct redis_proc *r);
/* "127.0.0.1:PORT" with its password, as SANTA_REDIS takes it. */
void redis_proc_url(const struct redis_proc *r, char *out, size_t cap);
/* Sends one inline command ("KEYS *"), after AUTH, and reads the raw reply into out
 * (NUL-terminated, truncated to cap). Returns the bytes read or -1. */
long redis_proc_command(const struct redis_proc *r, const char *cmd, char *out, size_t cap);

#endif /* SANTA_TESTS_REDIS_PROC_H */
