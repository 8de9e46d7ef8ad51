/*
 * instrument/process.h - the standard process metrics, read from /proc.
 */
#ifndef INST_PROCESS_H
#define INST_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

struct inst_process_stats {
    double cpu_seconds;      /* user + system */
    uint64_t resident_bytes;
    uint64_t open_fds;
    uint64_t threads;
    double start_time_seconds; /* since the Unix epoch */
};

/* Reads /proc/self; false when /proc is unavailable (then the fields are 0). */
bool inst_process_read(struct inst_process_stats *out);

#endif
