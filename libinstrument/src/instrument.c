/*
 * instrument.c - the registry's life: start and stop, with the exporter and
 * the statsd flusher they own. The registry itself is registry.c's.
 */
#include <stdio.h>

#include "internal.h"

int inst_start(const struct inst_options *opts, char *err, size_t errlen)
{
    if (inst_g.started) {
        snprintf(err, errlen, "libinstrument is already started");
        return -1;
    }
    inst_g.opts = *opts;
    snprintf(inst_g.service, sizeof inst_g.service, "%s", opts->service ? opts->service : "app");
    inst_g.opts.service = inst_g.service;
    /* Spans are kept even with no exporter: traceparent propagation to downstream calls,
       X-Trace-Id and the slow-request breakdown need them, and they cost a few stores. */
    inst_g.tracing = true;
    if (inst_tstate_key_init() != 0) {
        snprintf(err, errlen, "cannot create a thread key");
        return -1;
    }
    inst_g.started = true;
    inst_g.exporting = opts->trace_file || opts->zipkin_url;
    if (inst_g.exporting && inst_export_start(err, errlen) != 0)
        goto fail;
    if (opts->statsd && inst_statsd_start(opts->statsd, opts->statsd_interval_ms, err, errlen) != 0)
        goto fail_export;
    return 0;
fail_export:
    inst_export_stop();
fail:
    inst_g.started = false;
    inst_g.tracing = false;
    inst_g.exporting = false;
    return -1;
}

void inst_stop(void)
{
    if (!inst_g.started)
        return;
    inst_statsd_stop();
    inst_export_stop();
    inst_g.started = false;
    inst_g.tracing = false;
    inst_g.exporting = false;
    /* Thread states stay allocated: a thread that is still alive may hold a pointer. They
       are few (one per worker thread) and reused by the next inst_start(). */
}
