/*
 * csv_table.c - append + fdatasync, temp + rename, and crash recovery for one
 * CSV file. See csv_table.h for the rules and why each exists.
 */
#include "csv_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "santa/log.h"

#define TABLE_FLUSH_AT 65536 /* rewrite buffers this much before each write */

static const char *errstr(int e)
{
    const char *s = strerrordesc_np(e);
    return s ? s : "unknown error";
}

/* "<file>.tmp" into out; false if it does not fit. */
static bool tmp_name(const struct csv_table *t, char *out, size_t n)
{
    int len = snprintf(out, n, "%s.tmp", t->file);
    return len > 0 && (size_t)len < n;
}

/* write(2) until done: a regular file only writes short when the disk is
 * full, and then the next call reports the errno. */
static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool header_matches(const struct csv_table *t, const struct csv_record *rec)
{
    if (csv_record_count(rec) != t->ncols)
        return false;
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(csv_record_field(rec, i), t->header[i]) != 0)
            return false;
    return true;
}

/* ---- rewrite ----------------------------------------------------------- */

/* Copies the rows of src_fd (or none when src_fd < 0) through edit into a
 * fresh file and renames it over the table. */
static enum santa_status table_replace(struct csv_table *t, int src_fd, csv_table_edit_fn edit,
                                       void *ctx)
{
    char tmp[256];
    if (!tmp_name(t, tmp, sizeof tmp))
        return SANTA_UNAVAILABLE;
    int fd = openat(t->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: create %s: %s", tmp, errstr(errno));
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = SANTA_UNAVAILABLE;
    struct csv_buf out;
    struct csv_record rec;
    struct csv_reader rd;
    csv_buf_init(&out);
    csv_record_init(&rec);
    csv_reader_init(&rd, src_fd);
    if (!csv_buf_add_record(&out, t->header, t->ncols))
        goto fail_nomem;
    if (src_fd >= 0) {
        enum csv_result r = csv_reader_next(&rd, &rec); /* the header */
        while (r == CSV_OK && (r = csv_reader_next(&rd, &rec)) == CSV_OK) {
            if (csv_record_count(&rec) != t->ncols) {
                santa_log(SANTA_LOG_ERROR, "store csv: %s: a row has %zu fields, expected %zu",
                          t->file, csv_record_count(&rec), t->ncols);
                goto fail;
            }
            size_t n = csv_record_count(&rec);
            const char *fields[16];
            switch (edit(ctx, &rec, &out)) {
            case CSV_EDIT_KEEP:
                if (n > sizeof fields / sizeof fields[0])
                    goto fail;
                for (size_t i = 0; i < n; i++)
                    fields[i] = csv_record_field(&rec, i);
                if (!csv_buf_add_record(&out, fields, n))
                    goto fail_nomem;
                break;
            case CSV_EDIT_DROP:
            case CSV_EDIT_REPLACE:
                break;
            case CSV_EDIT_ERROR:
                goto fail;
            }
            if (out.len >= TABLE_FLUSH_AT) {
                if (!write_all(fd, out.data, out.len))
                    goto fail_io;
                csv_buf_clear(&out);
            }
        }
        if (r != CSV_END) {
            santa_log(SANTA_LOG_ERROR, "store csv: %s: unreadable during rewrite (%d)", t->file,
                      (int)r);
            goto fail;
        }
    }
    if (!write_all(fd, out.data, out.len) || fsync(fd) != 0)
        goto fail_io;
    if (close(fd) != 0) {
        fd = -1;
        goto fail_io;
    }
    fd = -1;
    if (renameat(t->dirfd, tmp, t->dirfd, t->file) != 0)
        goto fail_io;
    /* The rename is done, so the new content is what readers see; if the
     * directory cannot be made durable we no longer know what survives a
     * power cut, which is the fsync-failure case: stop writing. */
    if (fsync(t->dirfd) != 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: fsync directory after %s: %s; refusing writes",
                  t->file, errstr(errno));
        t->broken = true;
        goto done;
    }
    st = SANTA_OK;
    goto done;

fail_nomem:
    santa_log(SANTA_LOG_ERROR, "store csv: rewrite %s: out of memory", t->file);
    goto fail;
fail_io:
    santa_log(SANTA_LOG_ERROR, "store csv: rewrite %s: %s", t->file, errstr(errno));
fail:
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlinkat(t->dirfd, tmp, 0); /* best effort; recovery removes it anyway */
done:
    csv_reader_free(&rd);
    csv_record_free(&rec);
    csv_buf_free(&out);
    return st;
}

enum santa_status csv_table_rewrite(struct csv_table *t, csv_table_edit_fn edit, void *ctx)
{
    if (t->broken) {
        santa_log(SANTA_LOG_ERROR, "store csv: %s refuses writes after an fsync failure", t->file);
        return SANTA_UNAVAILABLE;
    }
    int src = openat(t->dirfd, t->file, O_RDONLY | O_CLOEXEC);
    if (src < 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: open %s: %s", t->file, errstr(errno));
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = table_replace(t, src, edit, ctx);
    close(src);
    return st;
}

/* ---- append ------------------------------------------------------------ */

enum santa_status csv_table_append(struct csv_table *t, const struct csv_buf *records)
{
    if (t->broken) {
        santa_log(SANTA_LOG_ERROR, "store csv: %s refuses writes after an fsync failure", t->file);
        return SANTA_UNAVAILABLE;
    }
    if (records->len == 0)
        return SANTA_OK;
    int fd = openat(t->dirfd, t->file, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: open %s: %s", t->file, errstr(errno));
        return SANTA_UNAVAILABLE;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: stat %s: %s", t->file, errstr(errno));
        close(fd);
        return SANTA_UNAVAILABLE;
    }
    enum santa_status st = SANTA_OK;
    ssize_t w;
    do {
        w = write(fd, records->data, records->len);
    } while (w < 0 && errno == EINTR);
    if (w < 0 || (size_t)w != records->len) {
        /* A short write means the disk is full; either way the rows were not
         * stored, so cut off whatever part of them landed. */
        int e = w < 0 ? errno : ENOSPC;
        santa_log(SANTA_LOG_ERROR, "store csv: append %s: %s", t->file, errstr(e));
        if (ftruncate(fd, sb.st_size) != 0)
            t->broken = true;
        st = SANTA_UNAVAILABLE;
    } else if (fdatasync(fd) != 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: fdatasync %s: %s; refusing writes", t->file,
                  errstr(errno));
        /* Readers must not see rows that were never acknowledged. */
        if (ftruncate(fd, sb.st_size) != 0)
            santa_log(SANTA_LOG_ERROR, "store csv: truncate %s: %s", t->file, errstr(errno));
        t->broken = true;
        st = SANTA_UNAVAILABLE;
    }
    close(fd);
    return st;
}

/* ---- scan -------------------------------------------------------------- */

/* The shared walk of scan and recover: header check, width check, visitor.
 * *torn_at is set to the offset where a torn last record starts, or -1. */
static enum santa_status table_walk(const struct csv_table *t, int fd, csv_table_visit_fn visit,
                                    void *ctx, off_t *torn_at, bool *empty, char *err,
                                    size_t errlen)
{
    struct csv_reader rd;
    struct csv_record rec;
    csv_reader_init(&rd, fd);
    csv_record_init(&rec);
    enum santa_status st = SANTA_UNAVAILABLE;
    *torn_at = -1;
    *empty = false;
    enum csv_result r = csv_reader_next(&rd, &rec);
    if (r == CSV_END || r == CSV_INCOMPLETE) {
        /* Nothing complete, not even the header: a crash while creating. */
        *empty = true;
        st = SANTA_OK;
        goto out;
    }
    if (r != CSV_OK || !header_matches(t, &rec)) {
        snprintf(err, errlen, "%s: the first line is not the expected header", t->file);
        goto out;
    }
    bool visiting = visit != NULL;
    while ((r = csv_reader_next(&rd, &rec)) == CSV_OK) {
        if (csv_record_count(&rec) != t->ncols) {
            snprintf(err, errlen, "%s: the row ending at byte %lld has %zu fields, expected %zu",
                     t->file, (long long)csv_reader_offset(&rd), csv_record_count(&rec), t->ncols);
            goto out;
        }
        if (!visiting)
            continue;
        enum csv_visit v = visit(ctx, &rec);
        if (v == CSV_VISIT_ERROR) {
            snprintf(err, errlen, "%s: a row could not be decoded", t->file);
            goto out;
        }
        if (v == CSV_VISIT_STOP) {
            st = SANTA_OK;
            goto out;
        }
    }
    switch (r) {
    case CSV_END:
        st = SANTA_OK;
        break;
    case CSV_INCOMPLETE:
        *torn_at = csv_reader_offset(&rd);
        st = SANTA_OK;
        break;
    case CSV_MALFORMED:
        snprintf(err, errlen, "%s: malformed CSV after byte %lld", t->file,
                 (long long)csv_reader_offset(&rd));
        break;
    case CSV_NOMEM:
        snprintf(err, errlen, "%s: out of memory while reading", t->file);
        break;
    default:
        snprintf(err, errlen, "%s: read: %s", t->file, errstr(errno));
        break;
    }
out:
    csv_record_free(&rec);
    csv_reader_free(&rd);
    return st;
}

enum santa_status csv_table_scan(const struct csv_table *t, csv_table_visit_fn visit, void *ctx)
{
    int fd = openat(t->dirfd, t->file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        santa_log(SANTA_LOG_ERROR, "store csv: open %s: %s", t->file, errstr(errno));
        return SANTA_UNAVAILABLE;
    }
    char err[256] = "";
    off_t torn;
    bool empty;
    enum santa_status st = table_walk(t, fd, visit, ctx, &torn, &empty, err, sizeof err);
    close(fd);
    if (st != SANTA_OK) {
        santa_log(SANTA_LOG_ERROR, "store csv: scan %s", err);
        return st;
    }
    /* Recovery removed any torn tail and writers are excluded while we read,
     * so a torn record now means someone else is writing the file. */
    if (torn >= 0 || empty) {
        santa_log(SANTA_LOG_ERROR, "store csv: %s: unexpected torn record during a scan", t->file);
        return SANTA_UNAVAILABLE;
    }
    return SANTA_OK;
}

/* ---- recovery ---------------------------------------------------------- */

enum santa_status csv_table_recover(struct csv_table *t, csv_table_visit_fn visit, void *ctx,
                                    char *err, size_t errlen)
{
    char tmp[256];
    if (!tmp_name(t, tmp, sizeof tmp)) {
        snprintf(err, errlen, "%s: name too long", t->file);
        return SANTA_UNAVAILABLE;
    }
    /* A .tmp is a rewrite that never reached its rename: it never counted. */
    if (unlinkat(t->dirfd, tmp, 0) == 0)
        santa_log(SANTA_LOG_WARN, "store csv: removed %s left by an interrupted rewrite", tmp);
    else if (errno != ENOENT) {
        snprintf(err, errlen, "remove %s: %s", tmp, errstr(errno));
        return SANTA_UNAVAILABLE;
    }

    int fd = openat(t->dirfd, t->file, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
        snprintf(err, errlen, "open %s: %s", t->file, errstr(errno));
        return SANTA_UNAVAILABLE;
    }
    off_t torn = -1;
    bool empty = true;
    if (fd >= 0) {
        enum santa_status st = table_walk(t, fd, visit, ctx, &torn, &empty, err, errlen);
        if (st != SANTA_OK) {
            close(fd);
            return st;
        }
    }
    if (empty) {
        /* Missing, or a crash before its header was complete: start it
         * afresh, through temp + rename so its name is durable too. */
        if (fd >= 0)
            close(fd);
        if (table_replace(t, -1, NULL, NULL) != SANTA_OK) {
            snprintf(err, errlen, "create %s failed (see log)", t->file);
            return SANTA_UNAVAILABLE;
        }
        return SANTA_OK;
    }
    if (torn >= 0) {
        santa_log(SANTA_LOG_WARN,
                  "store csv: %s ends in a torn record (crash mid-append); "
                  "truncating to %lld bytes",
                  t->file, (long long)torn);
        if (ftruncate(fd, torn) != 0 || fsync(fd) != 0) {
            snprintf(err, errlen, "truncate %s: %s", t->file, errstr(errno));
            close(fd);
            return SANTA_UNAVAILABLE;
        }
    }
    close(fd);
    return SANTA_OK;
}
