/*
 * e2e_harness.c - process and HTTP plumbing for the end-to-end tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "e2e.h"
#include "testproc.h"

static pid_t spawn(struct e2e_server *s)
{
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    /* A stage whose data lives in a server (03-postgres: SANTA_PG) takes
     * no --data; the test's launcher says so. */
    const char *argv[64];
    int n = 0;
    argv[n++] = s->binary;
    argv[n++] = "--listen";
    argv[n++] = listen;
    if (!getenv("SANTA_E2E_NO_DATA")) {
        argv[n++] = "--data";
        argv[n++] = s->data_dir;
    }
    argv[n++] = "--threads";
    argv[n++] = "48";
    for (int i = 0; s->extra && s->extra[i] && n < 63; i++)
        argv[n++] = s->extra[i];
    argv[n] = NULL;
    return testproc_spawn(argv, s->log_path);
}

/* Polls /readyz for up to 15 s (sanitizer builds start slowly). */
static int wait_ready(struct e2e_server *s)
{
    for (int i = 0; i < 300; i++) {
        struct e2e_resp r;
        int rc = e2e_request(s, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
        long st = r.status;
        e2e_resp_free(&r); /* a failed request has a body buffer too */
        if (rc == 0 && st == 200)
            return 0;
        if (testproc_exited(s->pid, NULL)) {
            fprintf(stderr, "e2e: %s exited early; see %s\n", s->binary, s->log_path);
            s->pid = 0;
            return -1;
        }
        testproc_sleep_ms(50);
    }
    return -1;
}

/* External mode: SANTA_E2E_URL names the server (http://127.0.0.1:PORT). */
static int attach(struct e2e_server *s, const char *url)
{
    int port = 0;
    char tail = '\0';
    if (sscanf(url, "http://127.0.0.1:%d%c", &port, &tail) != 1 || port <= 0 || port > 65535) {
        fprintf(stderr, "e2e: SANTA_E2E_URL must be http://127.0.0.1:PORT, not %s\n", url);
        return -1;
    }
    s->external = true;
    s->port = port;
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", port);
    const char *control = getenv("SANTA_E2E_CONTROL");
    s->control = control && control[0] ? control : NULL;
    return wait_ready(s);
}

/* External mode: runs `CONTROL ARGS...` and returns its exit status (-1
 * when it could not run or was killed). */
static int run_control(const struct e2e_server *s, const char *verb, const char *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(s->control, s->control, verb, arg, (char *)NULL);
        _exit(127);
    }
    int wst = 0;
    if (pid < 0 || waitpid(pid, &wst, 0) != pid || !WIFEXITED(wst))
        return -1;
    return WEXITSTATUS(wst);
}

bool e2e_can_control(const struct e2e_server *s)
{
    return !s->external || s->control != NULL;
}

int e2e_start(struct e2e_server *s, const char *binary)
{
    return e2e_start_with(s, binary, NULL);
}

int e2e_start_with(struct e2e_server *s, const char *binary, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    s->binary = binary;
    s->extra = extra;
    const char *url = getenv("SANTA_E2E_URL");
    if (url && url[0])
        return attach(s, url);
    snprintf(s->data_dir, sizeof s->data_dir, "/tmp/santa-e2e-XXXXXX");
    if (mkdtemp(s->data_dir) == NULL)
        return -1;
    snprintf(s->log_path, sizeof s->log_path, "%s.log", s->data_dir);
    s->port = testproc_free_port();
    if (s->port <= 0)
        return -1;
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    s->pid = spawn(s);
    return s->pid > 0 ? wait_ready(s) : -1;
}

int e2e_restart(struct e2e_server *s)
{
    if (s->external) {
        if (s->control == NULL || run_control(s, "start", NULL) != 0)
            return -1;
        return wait_ready(s);
    }
    s->pid = spawn(s);
    return s->pid > 0 ? wait_ready(s) : -1;
}

int e2e_stop(struct e2e_server *s, int sig)
{
    if (s->external) {
        if (s->control == NULL || (sig != SIGKILL && sig != SIGTERM))
            return -1;
        return run_control(s, "stop", sig == SIGKILL ? "KILL" : "TERM");
    }
    int code = testproc_stop(s->pid, sig, 30000); /* -1 when not running */
    s->pid = 0;
    return code;
}

void e2e_cleanup(struct e2e_server *s)
{
    if (s->pid > 0)
        e2e_stop(s, SIGKILL);
    char cmd[600];
    if (s->data_dir[0] && strncmp(s->data_dir, "/tmp/santa-e2e-", 15) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", s->data_dir, s->log_path);
        if (system(cmd) != 0)
            fprintf(stderr, "e2e: could not remove %s\n", s->data_dir);
    }
}

struct sink {
    char *buf;
    size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct sink *k = user;
    size_t add = size * n;
    char *nb = realloc(k->buf, k->len + add + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + k->len, data, add);
    k->buf = nb;
    k->len += add;
    k->buf[k->len] = '\0';
    return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    struct e2e_resp *r = user;
    size_t add = size * n, have = strlen(r->headers);
    if (have + add < sizeof r->headers) {
        memcpy(r->headers + have, data, add);
        r->headers[have + add] = '\0';
    }
    return add;
}

int e2e_request(const struct e2e_server *s, const char *method, const char *path,
                const char *token, const char *body, size_t body_len, const char *extra_header,
                struct e2e_resp *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (c == NULL)
        return -1;
    char url[512], auth[256];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (extra_header)
        h = curl_slist_append(h, extra_header);
    struct sink k = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_off_t declared = -1;
    if (rc == CURLE_SEND_ERROR) {
        /* A server may answer before it has read the whole body, then close
         * (RFC 9112 section 9.6): a 413 for a body over the limit does, and
         * through a proxy the close can reach libcurl while it still sends.
         * Such an answer counts when it arrived whole (checked below). */
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (code > 0)
            rc = CURLE_OK;
    }
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared);
    }
    /* Every answer of ours declares its length. libcurl accepts a connection
     * that closes right after the status line (a server killed mid-answer) as
     * a complete, empty answer; that is no answer, and the kill -9 test must
     * not count it as an acknowledged join. */
    if (rc == CURLE_OK && (declared < 0 || (size_t)declared != k.len))
        rc = CURLE_PARTIAL_FILE;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->body = k.buf ? k.buf : calloc(1, 1);
    r->body_len = k.len;
    if (k.len) {
        json_error_t err;
        r->json = json_loadb(k.buf, k.len, 0, &err);
    }
    return rc == CURLE_OK ? 0 : -1;
}

void e2e_resp_free(struct e2e_resp *r)
{
    free(r->body);
    json_decref(r->json);
    r->body = NULL;
    r->json = NULL;
}

int e2e_raw(const struct e2e_server *s, const char *bytes, size_t len, char *out, size_t cap)
{
    bool closed;
    return e2e_raw_ex(s, bytes, len, false, 2000, out, cap, &closed);
}

int e2e_raw_ex(const struct e2e_server *s, const char *bytes, size_t len, bool half_close,
               int wait_ms, char *out, size_t cap, bool *closed)
{
    *closed = false;
    if (cap == 0)
        return -1;
    out[0] = '\0';
    /* no send timeout: a large body waits for the server to read it */
    int fd = testproc_connect(s->port, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t got = 0;
    if (send(fd, bytes, len, MSG_NOSIGNAL) == (ssize_t)len) {
        if (half_close)
            shutdown(fd, SHUT_WR);
        for (;;) {
            char sink[4096];
            /* keep reading past cap, so "closed" means the server closed */
            char *dst = got + 1 < cap ? out + got : sink;
            size_t room = got + 1 < cap ? cap - 1 - got : sizeof sink;
            ssize_t n = recv(fd, dst, room, 0);
            if (n > 0) {
                if (dst != sink)
                    got += (size_t)n;
                continue;
            }
            *closed = n == 0 || errno == ECONNRESET;
            break;
        }
    }
    close(fd);
    out[got] = '\0';
    int status = -1;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
        status = -1;
    return status;
}

int e2e_count_answers(const char *raw)
{
    int n = 0;
    for (const char *p = raw; (p = strstr(p, "HTTP/1.")) != NULL; p++)
        if (p == raw || p[-1] == '\n')
            n++;
    return n;
}

const char *e2e_str(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

bool e2e_has_header(const struct e2e_resp *r, const char *name, const char *value_prefix)
{
    size_t nl = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            if (strncmp(v, value_prefix, strlen(value_prefix)) == 0)
                return true;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return false;
}
