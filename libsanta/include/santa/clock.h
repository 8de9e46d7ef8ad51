/*
 * santa/clock.h - the one monotonic clock of libsanta and the stages.
 *
 * Timings, deadlines and backoffs all read CLOCK_MONOTONIC (never the wall
 * clock, which NTP may step). libinstrument keeps its own reading, as it
 * sits below libsanta and links none of it.
 */
#ifndef SANTA_CLOCK_H
#define SANTA_CLOCK_H

#include <stdint.h>

/* Monotonic clock in nanoseconds, for timings. */
uint64_t santa_now_ns(void);

#endif /* SANTA_CLOCK_H */
