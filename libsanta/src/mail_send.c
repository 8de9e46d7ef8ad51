/*
 * mail_send.c - delivering a composed reminder: SMTP through libcurl, or a
 * Maildir (see mail.h). The only file of libsanta that includes curl.h.
 *
 * SMTP: one easy handle per mailer, so libcurl keeps the connection to the
 * server open between mails (one TCP and EHLO per mailer, not per mail).
 * libcurl's answer codes are sorted into "try again later" (cannot connect,
 * timeout, 4xx) and "never" (5xx): a worker retries the first, dead-letters
 * the second.
 *
 * Maildir: the mail is written to tmp/, fsync'ed, then renamed into new/ and
 * the directory fsync'ed (the Maildir protocol): a reader never sees half a
 * mail, and a mail reported sent survives a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "santa/alloc.h"
#include "santa/mail.h"

struct santa_mailer {
    CURL *curl;            /* NULL for the Maildir */
    char *smtp_url;
    char *maildir;
    char *public_url;
    uint32_t timeout_ms;
    unsigned long serial;  /* Maildir names: unique within this mailer */
    char buf[SANTA_MAIL_MAX];
};

struct reader {
    const char *p;
    size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ctx)
{
    struct reader *r = ctx;
    size_t n = size * nmemb < r->left ? size * nmemb : r->left;
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

int santa_mail_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int mkdir_p1(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static enum santa_status maildir_create(const char *dir, char *err, size_t errlen)
{
    char sub[1024];
    const char *parts[] = {"", "/tmp", "/new", "/cur"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(sub, sizeof sub, "%s%s", dir, parts[i]);
        if (mkdir_p1(sub) != 0) {
            snprintf(err, errlen, "cannot create the Maildir folder %s: %s", sub, strerror(errno));
            return SANTA_UNAVAILABLE;
        }
    }
    return SANTA_OK;
}

/* smtp://HOST[:PORT][/...]: a host, and a port of digits when a colon is
 * there (libcurl would take "smtp://h:" as port 25 without a word). */
static bool smtp_url_ok(const char *u)
{
    if (strncmp(u, "smtp://", 7) != 0)
        return false;
    const char *host = u + 7, *end = host + strcspn(host, "/");
    const char *colon = memchr(host, ':', (size_t)(end - host));
    if ((colon ? colon : end) == host)
        return false;
    if (!colon)
        return true;
    unsigned long port = 0;
    const char *p = colon + 1;
    for (; p < end && *p >= '0' && *p <= '9' && port <= 65535; p++)
        port = port * 10 + (unsigned long)(*p - '0');
    return p == end && p > colon + 1 && port >= 1 && port <= 65535;
}

enum santa_status santa_mailer_open(const struct santa_mail_options *o, struct santa_mailer **out,
                                    char *err, size_t errlen)
{
    *out = NULL;
    bool smtp = o->smtp_url && *o->smtp_url;
    if (smtp && !smtp_url_ok(o->smtp_url)) {
        snprintf(err, errlen, "the SMTP URL must be smtp://HOST[:PORT], e.g. smtp://127.0.0.1:25");
        return SANTA_VALIDATION_FAILED;
    }
    if (!smtp && !(o->maildir && *o->maildir)) {
        snprintf(err, errlen, "neither an SMTP URL nor a Maildir folder is set");
        return SANTA_VALIDATION_FAILED;
    }
    struct santa_mailer *m = santa_calloc(1, sizeof *m);
    if (!m)
        goto oom;
    m->timeout_ms = o->timeout_ms ? o->timeout_ms : 10000;
    m->public_url = santa_strdup(o->public_url ? o->public_url : "");
    if (!m->public_url)
        goto oom;
    if (smtp) {
        m->smtp_url = santa_strdup(o->smtp_url);
        m->curl = curl_easy_init();
        if (!m->smtp_url || !m->curl)
            goto oom;
    } else {
        m->maildir = santa_strdup(o->maildir);
        if (!m->maildir)
            goto oom;
        enum santa_status st = maildir_create(m->maildir, err, errlen);
        if (st != SANTA_OK) {
            santa_mailer_close(m);
            return st;
        }
    }
    *out = m;
    return SANTA_OK;
oom:
    santa_mailer_close(m);
    snprintf(err, errlen, "out of memory");
    return SANTA_UNAVAILABLE;
}

void santa_mailer_close(struct santa_mailer *m)
{
    if (!m)
        return;
    if (m->curl)
        curl_easy_cleanup(m->curl);
    santa_free(m->smtp_url);
    santa_free(m->maildir);
    santa_free(m->public_url);
    santa_free(m);
}

static enum santa_status smtp_send(struct santa_mailer *m, const char *rcpt, size_t len,
                                   char *err, size_t errlen)
{
    CURL *c = m->curl;
    struct reader rd = {m->buf, len};
    char to[300];
    snprintf(to, sizeof to, "<%s>", rcpt);
    struct curl_slist *rcpts = curl_slist_append(NULL, to);
    if (!rcpts) {
        snprintf(err, errlen, "out of memory");
        return SANTA_UNAVAILABLE;
    }
    char cerr[CURL_ERROR_SIZE] = "";
    /* Options are set again for every mail: the handle (and so its open
     * connection) is what is reused, not the per-mail state. */
    curl_easy_setopt(c, CURLOPT_URL, m->smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, "<" SANTA_MAIL_FROM ">");
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)m->timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)m->timeout_ms);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(rcpts);
    if (rc == CURLE_OK)
        return SANTA_OK;
    snprintf(err, errlen, "smtp %s: %s (server said %ld)", m->smtp_url,
             cerr[0] ? cerr : curl_easy_strerror(rc), code);
    /* A 5xx is the server's final no (bad mailbox, policy); everything else
     * (refused, timeout, 4xx) may work later. */
    return code >= 500 && code < 600 ? SANTA_VALIDATION_FAILED : SANTA_UNAVAILABLE;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static enum santa_status maildir_send(struct santa_mailer *m, const struct santa_reminder *r,
                                      size_t len, char *err, size_t errlen)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char name[256], tmp[1280], dst[1280], newdir[1100];
    /* time.M<usec>P<pid>Q<serial>.<key>: unique per mailer, process and key. */
    snprintf(name, sizeof name, "%lld.M%ldP%ldQ%lu.%s", (long long)ts.tv_sec, ts.tv_nsec / 1000,
             (long)getpid(), ++m->serial, r->message_key);
    snprintf(tmp, sizeof tmp, "%s/tmp/%s", m->maildir, name);
    snprintf(dst, sizeof dst, "%s/new/%s", m->maildir, name);
    snprintf(newdir, sizeof newdir, "%s/new", m->maildir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, m->buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            goto fail;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        goto fail;
    }
    if (rename(tmp, dst) != 0 || fsync_dir(newdir) != 0) {
        unlink(tmp);
        goto fail;
    }
    return SANTA_OK;
fail:
    snprintf(err, errlen, "maildir %s: %s", m->maildir, strerror(errno));
    return SANTA_UNAVAILABLE;
}

enum santa_status santa_mailer_send(struct santa_mailer *m, const struct santa_reminder *r,
                                    char *err, size_t errlen)
{
    size_t len = santa_reminder_compose(r, m->public_url, (long long)time(NULL), m->buf,
                                        sizeof m->buf);
    if (len == 0) {
        snprintf(err, errlen, "reminder %s cannot be put in a mail (address or text)",
                 r->message_key ? r->message_key : "?");
        return SANTA_VALIDATION_FAILED;
    }
    return m->curl ? smtp_send(m, r->to_email, len, err, errlen)
                   : maildir_send(m, r, len, err, errlen);
}
