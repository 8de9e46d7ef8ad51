/*
 * read_deadline.h - wakes a worker thread blocked in a read past its deadline.
 *
 * CivetWeb's mg_read() returns only when every byte asked for has arrived or
 * the line was silent for a whole request timeout, so a client that sends a
 * byte every few seconds keeps it (and the worker) busy for as long as it
 * likes. No public CivetWeb call gives the socket or takes a deadline, but a
 * signal does the job: its poll() fails with EINTR and mg_read() returns
 * what it has. Each worker thread owns one POSIX timer aimed at itself
 * (SIGEV_THREAD_ID) that fires at the deadline and then every 50 ms, so a
 * signal that lands outside poll() is followed by another.
 *
 * The signal is SANTA_READ_DEADLINE_SIGNAL (SIGRTMIN + 2), with an empty
 * handler installed once by santa_read_deadline_init(); nothing else in the
 * process uses it. The per-thread timer is thread-local state owned by that
 * worker, released by santa_read_deadline_thread_exit().
 */
#ifndef SANTA_READ_DEADLINE_H
#define SANTA_READ_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#define SANTA_READ_DEADLINE_SIGNAL (SIGRTMIN + 2)

/* Installs the signal handler (idempotent). 0, or -1 with errno. */
int santa_read_deadline_init(void);
/* Arms this thread's timer for deadline_ns (santa_now_ns() clock). false
 * when no timer could be made: the caller must then read in small steps. */
bool santa_read_deadline_arm(uint64_t deadline_ns);
/* Stops it; any signal already sent has been handled when this returns. */
void santa_read_deadline_disarm(void);
/* Deletes this thread's timer (CivetWeb's exit_thread). */
void santa_read_deadline_thread_exit(void);

#endif /* SANTA_READ_DEADLINE_H */
