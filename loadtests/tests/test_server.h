/*
 * test_server.h - a tiny HTTP/1.1 server on 127.0.0.1 (a free port) for
 * santa-load's tests: one poll loop, answers "200 ok" with keep-alive, and
 * can misbehave on purpose (drop a connection after reading a POST, or on
 * the second request of a connection), counting what it received.
 *
 * It runs either in a thread of the test (test_server_start) or in a child
 * process (test_server_fork), which the test can SIGSTOP and SIGCONT.
 */
#ifndef TEST_SERVER_H
#define TEST_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

enum test_server_mode {
    TS_ANSWER,            /* answer every request */
    TS_DROP_POST,         /* read a POST's head, count it, close without answering */
    TS_DROP_SECOND,       /* answer a connection's first request, close on its second */
    TS_SLOW,              /* answer each request after 50 ms, one at a time: 20/s at most */
};

struct test_server {
    enum test_server_mode mode;
    int lfd;
    uint16_t port;
    _Atomic int stop;
    _Atomic unsigned gets, posts, answered; /* request heads received, answers sent */
    pthread_t thread;
    pid_t child;
};

/* Binds 127.0.0.1:0 and serves in a thread. */
void test_server_start(struct test_server *s, enum test_server_mode mode);
void test_server_stop(struct test_server *s);

/* Binds 127.0.0.1:0 and serves in a child process (killed by test_server_kill,
   and by the kernel if the test dies first). */
void test_server_fork(struct test_server *s, enum test_server_mode mode);
void test_server_kill(struct test_server *s);

#endif /* TEST_SERVER_H */
