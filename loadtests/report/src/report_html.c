/*
 * report_html.c - page frame, formatting, tables, atomic write (see report_html.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_html.h"

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;"
    "max-width:1000px;margin:0 auto;padding:16px 24px;background:#fff}"
    "h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;border-bottom:1px solid #ddd;"
    "margin-top:34px;padding-bottom:3px}h3{font-size:15px;margin:18px 0 4px}"
    ".meta{color:#555;margin:2px 0}.lead{font-size:16px;margin:10px 0}"
    ".headline{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}"
    ".card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:118px}"
    ".card .v{font-size:26px;font-weight:600}.card .k{color:#555;font-size:12px;"
    "text-transform:uppercase;letter-spacing:.04em}.card.bad{border-color:#d55e00;"
    "background:#fff4ee}.card.good{border-color:#009e73}"
    ".warn{background:#fff3cd;border:1px solid #e0b000;padding:8px 12px;border-radius:6px;"
    "margin:10px 0}.note{color:#666;font-style:italic;margin:6px 0}"
    "table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}"
    "th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}"
    "th{background:#f6f6f6;font-weight:600}th:first-child,td:first-child{text-align:left}"
    "tr.txn td{font-weight:600;border-top:1px solid #ccc}tr.step td:first-child{padding-left:26px}"
    "td.id,td.t{text-align:left}"
    "td.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}"
    "figure.chart{margin:14px 0}"
    "svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    ".ctitle{font-weight:600;font-size:15px;fill:#222}.legend{font-size:12px;fill:#333}"
    ".ytick{text-anchor:end;font-size:11px;fill:#555}.xtick{text-anchor:middle;font-size:11px;"
    "fill:#555}.alabel{text-anchor:middle;font-size:12px;fill:#333}.grid{stroke:#e6e6e6}"
    ".axis{stroke:#888}.nodata{text-anchor:middle;fill:#888;font-style:italic;font-size:14px}"
    ".rlabel{text-anchor:end;font-size:12px;fill:#222}.bval{font-size:11px;fill:#333}";

void report_html_begin(struct report_buf *b, const char *title)
{
    report_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                       "<title>");
    report_buf_escape(b, title);
    report_buf_printf(b, "</title><style>%s</style></head>\n<body>\n", STYLE);
}

void report_html_end(struct report_buf *b)
{
    report_buf_puts(b, "<p class=\"meta\">Written by santa-report. Self-contained: no script, "
                       "no network.</p>\n</body></html>\n");
}

void report_html_row(struct report_buf *b, const char *cls, const char *label,
                     const double *v, size_t n)
{
    report_buf_printf(b, "<tr%s%s%s><td>", cls ? " class=\"" : "", cls ? cls : "",
                      cls ? "\"" : "");
    report_buf_escape(b, label);
    report_buf_puts(b, "</td>");
    for (size_t i = 0; i < n; i++) {
        char t[48];
        report_fmt(t, sizeof t, v[i]);
        report_buf_printf(b, "<td>%s</td>", t);
    }
    report_buf_puts(b, "</tr>\n");
}

void report_html_head_row(struct report_buf *b, const char *const *names, size_t n)
{
    report_buf_puts(b, "<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        report_buf_puts(b, "<th>");
        report_buf_escape(b, names[i]);
        report_buf_puts(b, "</th>");
    }
    report_buf_puts(b, "</tr></thead>\n");
}

void report_html_note(struct report_buf *b, const char *text)
{
    report_buf_puts(b, "<p class=\"note\">");
    report_buf_escape(b, text);
    report_buf_puts(b, "</p>\n");
}

int report_html_write(const struct report_buf *b, const char *path, struct report_error *err)
{
    char tmp[4200];
    if (b->failed || b->data == NULL)
        return report_error_set(err, "%s: the page outgrew its %zu-byte ceiling or memory ran "
                                "out", path, b->limit);
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return report_error_set(err, "%s: path too long", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return report_error_set(err, "%s: cannot create: %s", tmp, strerror(errno));
    size_t w = fwrite(b->data, 1, b->len, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || w != b->len) {
        remove(tmp);
        return report_error_set(err, "%s: write failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return report_error_set(err, "%s: cannot rename into place: %s", path, strerror(e));
    }
    return 0;
}
