/*
 * report_svg.c - inline SVG line and bar charts (see report_svg.h).
 *
 * Geometry is fixed (a chart is 920 px wide and scales with the page via
 * viewBox), so a reader sees every chart at the same size and the page
 * needs no script. Axis ranges start at zero for values (a latency or a
 * rate read against a zero baseline is not exaggerated) and snap to
 * "nice" 1-2-5 ticks.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_svg.h"

enum { W = 920, PLOT_LEFT = 78, PLOT_RIGHT = 24, TITLE_H = 30, LEGEND_ROW = 18, PLOT_H = 240,
       BOTTOM = 52, MARKERS_UP_TO = 40, BAR_LABEL_W = 200,
       BAR_VALUE_W = 70 };

static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#7F7F7F", "#000000"};

const char *report_svg_color(size_t i)
{
    return palette[i % (sizeof palette / sizeof palette[0])];
}

/* Rounds span up to a 1-2-5 step that gives about `want` ticks. */
static double nice_step(double span, int want)
{
    if (!(span > 0))
        return 1;
    double raw = span / want;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return step * mag;
}

/* Tick labels: up to 4 significant digits, never "-0". */
static void tick_text(char *out, size_t n, double v)
{
    if (fabs(v) < 1e-12)
        v = 0;
    report_fmt(out, n, v);
}

static double pct_x(double p)
{
    if (p > 99.999)
        p = 99.999;
    if (p < 0)
        p = 0;
    return log10(100.0 / (100.0 - p));
}

static double map_x(const struct report_chart *c, double x)
{
    if (c->x_axis == REPORT_X_LOG)
        return log10(x > 1 ? x : 1);
    return c->x_axis == REPORT_X_PERCENTILE ? pct_x(x) : x;
}

/* Writes a label cut to at most max bytes on a UTF-8 boundary, escaped. */
static void short_label(struct report_buf *b, const char *s, size_t max)
{
    char tmp[128];
    size_t n = strlen(s);
    if (max >= sizeof tmp - 4)
        max = sizeof tmp - 4;
    if (n <= max) {
        report_buf_escape(b, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    memcpy(tmp, s, max);
    memcpy(tmp + max, "\xe2\x80\xa6", 4); /* an ellipsis */
    report_buf_escape(b, tmp);
}

/* Legend entries laid out left to right, wrapping; returns the rows used. */
static int legend(struct report_buf *b, const char *const *names, const bool *dashed,
                  const size_t *colors, size_t n, int top)
{
    int x = PLOT_LEFT, row = 0;
    for (size_t i = 0; i < n; i++) {
        int w = 44 + 7 * (int)(strlen(names[i]) < 40 ? strlen(names[i]) : 40);
        if (x + w > W - PLOT_RIGHT && x > PLOT_LEFT) {
            x = PLOT_LEFT;
            row++;
        }
        int y = top + row * LEGEND_ROW;
        report_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                          "stroke-width=\"3\"%s/>", x, y - 4, x + 22, y - 4,
                          report_svg_color(colors[i]),
                          dashed && dashed[i] ? " stroke-dasharray=\"6 4\"" : "");
        report_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"legend\">", x + 27, y);
        short_label(b, names[i], 40);
        report_buf_puts(b, "</text>");
        x += w;
    }
    return n ? row + 1 : 0;
}

static void open_svg(struct report_buf *b, const char *id, const char *title, int height)
{
    report_buf_printf(b, "<figure class=\"chart\"><svg id=\"%s\" viewBox=\"0 0 %d %d\" "
                      "width=\"100%%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
                      id, W, height);
    report_buf_puts(b, "<title>");
    report_buf_escape(b, title);
    report_buf_printf(b, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", W, height);
    report_buf_printf(b, "<text x=\"%d\" y=\"20\" class=\"ctitle\">", PLOT_LEFT);
    report_buf_escape(b, title);
    report_buf_puts(b, "</text>");
}

static void no_data(struct report_buf *b, const char *id, const char *title, const char *note)
{
    open_svg(b, id, title, 120);
    report_buf_printf(b, "<text x=\"%d\" y=\"70\" class=\"nodata\">", W / 2);
    report_buf_escape(b, note ? note : "no data");
    report_buf_puts(b, "</text></svg></figure>\n");
}

/* The plot's value ranges. */
struct frame {
    double x0, x1;      /* data range of x */
    double y0, y1;      /* value range: y0 is 0 unless a value is negative */
    int left, right;    /* pixel columns where the plot starts and ends */
    int top, bottom;    /* pixel rows of the plot area */
};

static double px(const struct frame *f, double x)
{
    double span = f->x1 - f->x0;
    return f->left + (span > 0 ? (x - f->x0) / span : 0.5) * (f->right - f->left);
}

static double py(const struct frame *f, double y)
{
    double span = f->y1 - f->y0;
    return f->bottom - (span > 0 ? (y - f->y0) / span : 0) * (f->bottom - f->top);
}

static void y_axis(struct report_buf *b, const struct frame *f, const char *label)
{
    double step = nice_step(f->y1 - f->y0, 5);
    for (double v = f->y0; v <= f->y1 + step / 1000; v += step) {
        char t[32];
        tick_text(t, sizeof t, v);
        double y = py(f, v);
        report_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
                          "<text x=\"%d\" y=\"%.1f\" class=\"ytick\">%s</text>", f->left, y,
                          f->right, y, f->left - 6, y + 4, t);
    }
    int mid = (f->top + f->bottom) / 2;
    report_buf_printf(b, "<text transform=\"translate(16,%d) rotate(-90)\" class=\"alabel\">",
                      mid);
    report_buf_escape(b, label);
    report_buf_puts(b, "</text>");
}

static void x_tick(struct report_buf *b, const struct frame *f, double xv, const char *text)
{
    double x = px(f, xv);
    report_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"axis\"/>"
                      "<text x=\"%.1f\" y=\"%d\" class=\"xtick\">%s</text>", x, f->bottom, x,
                      f->bottom + 5, x, f->bottom + 18, text);
}

/* 1-2-5 ticks on a log axis, dropping 2 and 5 when the range spans decades. */
static void log_ticks(struct report_buf *b, const struct frame *f)
{
    static const double mult[] = {1, 2, 5};
    bool wide = f->x1 - f->x0 > 2;
    for (double e = floor(f->x0); e <= ceil(f->x1); e++)
        for (int m = 0; m < (wide ? 1 : 3); m++) {
            double lx = e + log10(mult[m]);
            if (lx < f->x0 - 1e-9 || lx > f->x1 + 1e-9)
                continue;
            char t[32];
            tick_text(t, sizeof t, pow(10, lx));
            x_tick(b, f, lx, t);
        }
}

static void x_axis(struct report_buf *b, const struct frame *f, const struct report_chart *c)
{
    static const char *const pct[] = {"0", "90", "99", "99.9", "99.99", "99.999"};
    report_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>",
                      f->left, f->bottom, f->right, f->bottom);
    if (c->x_axis == REPORT_X_PERCENTILE) {
        for (int i = 0; i <= 5 && i <= f->x1 + 1e-9; i++)
            x_tick(b, f, i, pct[i]);
    } else if (c->x_axis == REPORT_X_LOG) {
        log_ticks(b, f);
    } else {
        double step = nice_step(f->x1 - f->x0, 8);
        for (double v = ceil(f->x0 / step) * step; v <= f->x1 + step / 1000; v += step) {
            char t[32];
            tick_text(t, sizeof t, v);
            x_tick(b, f, v, t);
        }
    }
    report_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"alabel\">",
                      (f->left + f->right) / 2, f->bottom + 40);
    report_buf_escape(b, c->x_label);
    report_buf_puts(b, "</text>");
}

/* Data ranges over every non-empty series; false when there is none. */
static bool ranges(const struct report_chart *c, const struct report_series *s, size_t ns,
                   struct frame *f)
{
    bool any = false;
    f->x0 = INFINITY;
    f->x1 = -INFINITY;
    f->y0 = 0;
    f->y1 = 0;
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < s[i].n; j++) {
            double x = map_x(c, s[i].x[j]);
            f->x0 = fmin(f->x0, x);
            f->x1 = fmax(f->x1, x);
            f->y0 = fmin(f->y0, s[i].y[j]);
            f->y1 = fmax(f->y1, s[i].y[j]);
            any = true;
        }
    if (c->x_axis == REPORT_X_PERCENTILE) {
        f->x0 = 0;
        f->x1 = fmax(1, ceil(f->x1 - 1e-9));
    }
    if (c->fixed_x && c->x_axis == REPORT_X_LINEAR && c->x_to > c->x_from) {
        f->x0 = c->x_from;
        f->x1 = c->x_to;
    }
    if (f->y1 <= f->y0)
        f->y1 = f->y0 + 1;
    double step = nice_step(f->y1 - f->y0, 5);
    f->y0 = floor(f->y0 / step * (1 - 1e-12)) * step;
    f->y1 = ceil(f->y1 / step * (1 - 1e-12)) * step;
    return any;
}

static void series(struct report_buf *b, const struct report_chart *c, const struct frame *f,
                   const struct report_series *s, size_t color)
{
    report_buf_printf(b, "<polyline class=\"series\" data-points=\"%zu\" fill=\"none\" "
                      "stroke=\"%s\" stroke-width=\"2\"%s points=\"", s->n,
                      report_svg_color(color), s->dashed ? " stroke-dasharray=\"6 4\"" : "");
    for (size_t j = 0; j < s->n; j++)
        report_buf_printf(b, "%s%.1f,%.1f", j ? " " : "", px(f, map_x(c, s->x[j])),
                          py(f, s->y[j]));
    report_buf_puts(b, "\"><title>");
    report_buf_escape(b, s->name);
    report_buf_puts(b, "</title></polyline>");
    if (s->n > MARKERS_UP_TO)
        return;
    for (size_t j = 0; j < s->n; j++)
        report_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
                          px(f, map_x(c, s->x[j])), py(f, s->y[j]), report_svg_color(color));
}

void report_svg_lines(struct report_buf *b, const struct report_chart *c,
                      const struct report_series *s, size_t ns)
{
    struct frame f;
    if (!ranges(c, s, ns, &f)) {
        no_data(b, c->id, c->title, c->empty_note);
        return;
    }
    const char *names[REPORT_SVG_MAX_SERIES];
    bool dashed[REPORT_SVG_MAX_SERIES];
    size_t colors[REPORT_SVG_MAX_SERIES], index[REPORT_SVG_MAX_SERIES], nl = 0;
    for (size_t i = 0; i < ns && nl < REPORT_SVG_MAX_SERIES; i++)
        if (s[i].n > 0) {
            names[nl] = s[i].name;
            dashed[nl] = s[i].dashed;
            index[nl] = i;
            colors[nl++] = s[i].color ? s[i].color - 1 : i;
        }
    /* Lay the legend out once into a scratch buffer to learn its height. */
    struct report_buf leg;
    report_buf_init(&leg, 1 << 20);
    int rows = legend(&leg, names, dashed, colors, nl, TITLE_H + 14);
    f.left = PLOT_LEFT;
    f.right = W - PLOT_RIGHT;
    f.top = TITLE_H + rows * LEGEND_ROW + 10;
    f.bottom = f.top + PLOT_H;
    open_svg(b, c->id, c->title, f.bottom + BOTTOM);
    if (leg.data)
        report_buf_append(b, leg.data, leg.len);
    b->failed |= leg.failed;
    report_buf_release(&leg);
    y_axis(b, &f, c->y_label);
    x_axis(b, &f, c);
    for (size_t i = 0; i < nl; i++)
        series(b, c, &f, &s[index[i]], colors[i]);
    report_buf_puts(b, "</svg></figure>\n");
}

/* Largest bar length: a stacked bar's total or a grouped chart's longest bar. */
static double bar_max(const struct report_bars *c)
{
    double m = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        double total = 0;
        for (size_t p = 0; p < c->nparts; p++) {
            double v = c->values[r * c->nparts + p];
            total += v;
            m = fmax(m, v);
        }
        if (c->stacked)
            m = fmax(m, total);
    }
    return m;
}

static void bar_rect(struct report_buf *b, const struct frame *f, double x0, double v, double y,
                     double h, size_t part, const char *part_name)
{
    double a = px(f, x0), z = px(f, x0 + (v > 0 ? v : 0));
    report_buf_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\" fill=\"%s\"><title>", a, y, z - a, h,
                      report_svg_color(part));
    report_buf_escape(b, part_name);
    report_buf_printf(b, ": %.4g</title></rect>", v);
}

static void bar_value(struct report_buf *b, double x, double y, double v)
{
    char t[48];
    report_fmt(t, sizeof t, v);
    report_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"bval\">%s</text>", x, y, t);
}

static void bar_row(struct report_buf *b, const struct report_bars *c, const struct frame *f,
                    size_t r, double y, double band)
{
    const double *v = &c->values[r * c->nparts];
    double total = 0;
    report_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"rlabel\">", f->left - 8,
                      y + band / 2 + 4);
    short_label(b, c->rows[r], 30);
    report_buf_puts(b, "</text>");
    for (size_t p = 0; p < c->nparts; p++) {
        if (c->stacked) {
            bar_rect(b, f, total, v[p], y + 3, band - 6, p, c->parts[p]);
            total += v[p];
            continue;
        }
        double h = (band - 6) / (double)c->nparts;
        bar_rect(b, f, 0, v[p], y + 3 + h * (double)p, h - 1, p, c->parts[p]);
        bar_value(b, px(f, v[p]) + 4, y + 3 + h * ((double)p + 0.5) + 4, v[p]);
    }
    if (c->stacked)
        bar_value(b, px(f, total) + 4, y + band / 2 + 4, total);
}

void report_svg_bars(struct report_buf *b, const struct report_bars *c)
{
    if (c->nrows == 0 || c->nparts == 0) {
        no_data(b, c->id, c->title, c->empty_note);
        return;
    }
    bool dashed[REPORT_SVG_MAX_SERIES] = {false};
    size_t colors[REPORT_SVG_MAX_SERIES];
    size_t nl = c->nparts < REPORT_SVG_MAX_SERIES ? c->nparts : REPORT_SVG_MAX_SERIES;
    for (size_t i = 0; i < nl; i++)
        colors[i] = i;
    double band = c->stacked ? 28 : fmax(28, 14.0 * (double)c->nparts + 8);
    struct report_buf leg;
    report_buf_init(&leg, 1 << 20);
    int rows = legend(&leg, c->parts, dashed, colors, nl, TITLE_H + 14);
    struct frame f = {.x0 = 0, .x1 = bar_max(c), .left = BAR_LABEL_W, .right = W - BAR_VALUE_W,
                      .top = TITLE_H + rows * LEGEND_ROW + 10};
    f.x1 = f.x1 > 0 ? ceil(f.x1 / nice_step(f.x1, 6) * (1 - 1e-12)) * nice_step(f.x1, 6) : 1;
    f.bottom = f.top + (int)(band * (double)c->nrows);
    open_svg(b, c->id, c->title, f.bottom + BOTTOM);
    if (leg.data)
        report_buf_append(b, leg.data, leg.len);
    b->failed |= leg.failed;
    report_buf_release(&leg);
    for (size_t r = 0; r < c->nrows; r++)
        bar_row(b, c, &f, r, f.top + band * (double)r, band);
    struct report_chart axis = {.x_label = c->value_label, .x_axis = REPORT_X_LINEAR};
    x_axis(b, &f, &axis);
    report_buf_puts(b, "</svg></figure>\n");
}
