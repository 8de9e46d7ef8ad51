/*
 * report_svg.h - chart primitives that write inline SVG into a page buffer.
 *
 * Three kinds, all static pictures (no script): a line chart with axes,
 * ticks, legend, title and axis labels; the same with a percentile x axis
 * (log scale of 1/(1-p), the usual latency-distribution plot, so p99 and
 * p99.9 get as much room as p0..p90); and a horizontal bar chart, stacked
 * (parts of a whole, e.g. where time went) or grouped (one bar per run).
 * Every string is HTML-escaped on the way out. Each data series becomes one
 * <polyline class="series" data-points="N" points="..."> with exactly one
 * point per input row, which is what the tests count.
 * The caller keeps every pointer alive for the duration of the call only.
 */
#ifndef REPORT_SVG_H
#define REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "report_buf.h"

/* Series (lines) or parts (bars) beyond this many are not drawn. */
enum { REPORT_SVG_MAX_SERIES = 32 };

enum report_x_axis {
    REPORT_X_LINEAR,     /* x as is */
    REPORT_X_PERCENTILE, /* x in [0,100], drawn on log10(1/(1-x/100)), 100 clamped to 99.999 */
    REPORT_X_LOG,        /* x > 0 on log10 (data sizes ten times apart); x <= 0 drawn at 1 */
};

struct report_series {
    const char *name;
    const double *x, *y;
    size_t n;
    bool dashed;
    size_t color; /* palette index + 1, so related series share a colour; 0: by position */
};

struct report_chart {
    const char *id;                /* element id (ASCII, from our code) */
    const char *title;
    const char *x_label, *y_label; /* with units, e.g. "time since start (s)" */
    enum report_x_axis x_axis;
    const char *empty_note;        /* shown instead of lines when there is no data */
    bool fixed_x;                  /* x runs from x_from to x_to whatever the data */
    double x_from, x_to;           /* (charts that share one time axis) */
};

/* A line chart of ns series. Series with n == 0 are left out; with none
 * left, the chart shows empty_note. */
void report_svg_lines(struct report_buf *b, const struct report_chart *c,
                      const struct report_series *s, size_t ns);

struct report_bars {
    const char *id, *title;
    const char *value_label;       /* x axis, with unit */
    const char *const *rows;       /* one label per bar group */
    size_t nrows;
    const char *const *parts;      /* legend: one name per segment / bar in a group */
    size_t nparts;
    const double *values;          /* nrows * nparts, row-major, >= 0 */
    bool stacked;                  /* true: parts of one bar; false: one bar per part */
    const char *empty_note;
};

void report_svg_bars(struct report_buf *b, const struct report_bars *c);

/* The colour of series/part i (a colour-blind-safe palette, cycled). */
const char *report_svg_color(size_t i);

#endif /* REPORT_SVG_H */
