/*
 * instrument/statsd.h - the registry as Etsy statsd lines over UDP.
 *
 * inst_start() with options.statsd = "HOST:PORT" starts a flusher thread
 * that every statsd_interval_ms sends what changed since its last flush:
 *   counters    name:DELTA|c            (only when DELTA > 0)
 *   gauges      name:VALUE|g            (a negative VALUE is sent as name:0|g then
 *                                        name:-N|g, since a signed gauge is a delta in statsd)
 *   histograms  name:MS|ms[|@RATE]      one line per bucket that received values, MS the
 *                                        bucket's middle in milliseconds and RATE = 1/k for k
 *                                        values, so the collector counts k samples
 *   process     process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
 *               process_threads, process_start_time_seconds, all as gauges, every flush
 * Names are the family name followed by ".VALUE" for each label, characters other than
 * [A-Za-z0-9_-] replaced by '_' (e.g. santa_http_requests_total.GET._api_exchanges__id_.2xx).
 * Lines are packed into datagrams of at most INST_STATSD_PAYLOAD_MAX bytes, separated by
 * '\n'. The socket is non-blocking: an absent or slow collector loses datagrams (counted in
 * inst_statsd_errors_total), it never delays anything.
 */
#ifndef INST_STATSD_H
#define INST_STATSD_H

#include <stddef.h>

#define INST_STATSD_PAYLOAD_MAX 1432 /* fits a 1500-byte MTU with IPv6/UDP headers to spare */

/* Formats one line "name:value|type" plus "|@rate" when 0 < rate < 1, without a newline.
   value is already formatted. Returns the length, or 0 when it does not fit in cap. */
size_t inst_statsd_line(char *buf, size_t cap, const char *name, const char *value,
                        const char *type, double rate);

/* Packs lines into datagrams. */
struct inst_statsd_packer {
    char buf[INST_STATSD_PAYLOAD_MAX];
    size_t len;
    void (*send)(void *ctx, const char *datagram, size_t len);
    void *ctx;
};

/* Appends a line, first sending the datagram in progress when the line would not fit. A line
   longer than the payload limit is dropped. */
void inst_statsd_pack(struct inst_statsd_packer *p, const char *line, size_t len);
/* Sends the datagram in progress, if any. */
void inst_statsd_pack_flush(struct inst_statsd_packer *p);

/* Sends the changes since the previous call now (what the flusher does every interval);
   for tests and for a final flush. No-op when statsd is not running. */
void inst_statsd_flush_now(void);

#endif
