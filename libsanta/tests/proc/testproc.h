/*
 * testproc.h - loopback ports and child processes for tests: the one copy.
 *
 * Every test that starts a real process (a stage binary, redis-server, a
 * forked test server) or talks to one over 127.0.0.1 uses these instead of
 * its own socket and fork plumbing: the end-to-end harness
 * (libsanta/tests/e2e), stage 04's redis-server (redis_proc.c), the
 * load generator's test servers (loadtests/tests).
 *
 * Ports are never fixed: a test asks for one the kernel just handed out.
 * A child started here dies with the test (PR_SET_PDEATHSIG), so a failed
 * assertion or a sanitizer abort leaves no server behind. Nothing here
 * waits on the clock's speed: waits are bounded loops of short sleeps.
 */
#ifndef SANTA_TESTS_TESTPROC_H
#define SANTA_TESTS_TESTPROC_H

#include <stdbool.h>
#include <sys/types.h>

/* A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0,
 * read back, closed); -1 on error. Another process may take it before the
 * child binds it: starters retry on a fresh port (redis_proc_start). */
int testproc_free_port(void);

/* A socket of type (SOCK_STREAM, listening with a backlog of 256, or
 * SOCK_DGRAM) bound to a port the kernel chose on 127.0.0.1, close-on-exec;
 * its port in *port. The fd, or -1. Holding the socket keeps the port. */
int testproc_listen(int type, int *port);

/* A TCP connection to 127.0.0.1:port; timeout_ms > 0 bounds each send and
 * receive. The fd, or -1. */
int testproc_connect(int port, int timeout_ms);

void testproc_sleep_ms(long ms);

/* fork() for a child that is killed when the test process dies: 0 in the
 * child, its pid in the parent, -1 when fork failed. */
pid_t testproc_fork(void);

/* Starts argv[0] (a path, or a name looked up on PATH) with argv, as a
 * child that is killed when the test process dies. log: its stdout and
 * stderr are appended there (NULL: the test's own). The pid, or -1. */
pid_t testproc_spawn(const char *const argv[], const char *log);

/* true when pid has exited; then it is reaped and *code (may be NULL) is
 * its exit code, or 128 + the signal that killed it. Never blocks. */
bool testproc_exited(pid_t pid, int *code);

/* Sends sig (SIGCONT first, in case it was stopped), then waits up to
 * wait_ms for the exit; after that, SIGKILL. Returns the exit code, 128 +
 * the signal, or -2 when it had to be killed; -1 for pid <= 0. */
int testproc_stop(pid_t pid, int sig, int wait_ms);

#endif /* SANTA_TESTS_TESTPROC_H */
