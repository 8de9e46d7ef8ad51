/*
 * test_store_postgres_lost.c - the connection to PostgreSQL is cut at the
 * worst moment: right after the server committed a write and before its
 * answer reaches the store (or right before the COMMIT reaches the server).
 *
 * A small TCP proxy sits between the store and the server (the pg_server
 * fixture's, argv[1] names its conninfo file). Armed with a statement name,
 * it watches the store's messages; when one carries that name it either
 * forwards it and then swallows the server's answer (CUT_AFTER: committed,
 * the store never hears it) or swallows the message itself (CUT_BEFORE:
 * never committed); then it closes both sides. Only the first matching
 * message is cut; later connections pass.
 *
 * Checks: the store answers as if the first try had worked (OK, with the
 * join's seq), nothing is stored twice, and no acknowledged-to-nobody row is
 * left behind (every row that exists is one the store reported).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "santa/token.h"
#include "store_postgres.h"

static char base_conninfo[512];

/* ---- the proxy ---------------------------------------------------------- */

enum cut_mode { CUT_NONE, CUT_AFTER, CUT_BEFORE };

struct proxy {
    int listen_fd, port, server_port;
    pthread_t acceptor;
    _Atomic int mode; /* enum cut_mode, reset to CUT_NONE once cut */
    char needle[64];  /* statement name + NUL, as a Bind message carries it */
    size_t needle_len;
    atomic_int cuts; /* connections cut so far */
};

struct pair {
    struct proxy *p;
    int client, server;
};

static int connect_server(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static bool send_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
        if (k <= 0)
            return false;
        b += k;
        n -= (size_t)k;
    }
    return true;
}

/* Relays one connection until either side closes, or the cut. */
static void *relay(void *arg)
{
    struct pair *pr = arg;
    struct proxy *p = pr->p;
    bool swallow_reply = false; /* CUT_AFTER armed on this connection */
    char buf[65536];
    for (;;) {
        struct pollfd f[2] = {{.fd = pr->client, .events = POLLIN},
                              {.fd = pr->server, .events = POLLIN}};
        if (poll(f, 2, 30000) <= 0)
            break;
        if (f[0].revents) {
            ssize_t n = recv(pr->client, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            int want = CUT_NONE;
            if (memmem(buf, (size_t)n, p->needle, p->needle_len)) {
                want = atomic_exchange(&p->mode, CUT_NONE);
            }
            if (want == CUT_BEFORE) {
                atomic_fetch_add(&p->cuts, 1);
                break; /* the server never sees it */
            }
            if (!send_all(pr->server, buf, (size_t)n))
                break;
            if (want == CUT_AFTER)
                swallow_reply = true;
        }
        if (f[1].revents) {
            ssize_t n = recv(pr->server, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            if (swallow_reply) {
                /* The server has answered (so it has committed): the answer
                 * is lost with the connection. */
                atomic_fetch_add(&p->cuts, 1);
                break;
            }
            if (!send_all(pr->client, buf, (size_t)n))
                break;
        }
    }
    shutdown(pr->client, SHUT_RDWR);
    shutdown(pr->server, SHUT_RDWR);
    close(pr->client);
    close(pr->server);
    free(pr);
    return NULL;
}

static void *acceptor(void *arg)
{
    struct proxy *p = arg;
    for (;;) {
        int c = accept(p->listen_fd, NULL, NULL);
        if (c < 0)
            return NULL; /* the listening socket was shut down */
        struct pair *pr = malloc(sizeof *pr);
        int s = connect_server(p->server_port);
        if (!pr || s < 0) {
            close(c);
            if (s >= 0)
                close(s);
            free(pr);
            continue;
        }
        *pr = (struct pair){p, c, s};
        pthread_t t;
        if (pthread_create(&t, NULL, relay, pr) == 0)
            pthread_detach(t);
    }
}

static bool proxy_start(struct proxy *p, int server_port)
{
    memset(p, 0, sizeof *p);
    p->server_port = server_port;
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(p->listen_fd, 64) != 0 ||
        getsockname(p->listen_fd, (struct sockaddr *)&a, &len) != 0)
        return false;
    p->port = ntohs(a.sin_port);
    return pthread_create(&p->acceptor, NULL, acceptor, p) == 0;
}

static void proxy_stop(struct proxy *p)
{
    shutdown(p->listen_fd, SHUT_RDWR);
    close(p->listen_fd);
    pthread_join(p->acceptor, NULL);
}

/* Cuts the next connection that sends a message naming `statement`. */
static void proxy_arm(struct proxy *p, const char *statement, enum cut_mode mode)
{
    p->needle_len = strlen(statement) + 1; /* with its NUL, as in a Bind message */
    memcpy(p->needle, statement, p->needle_len);
    atomic_store(&p->mode, mode);
}

/* ---- fixtures ----------------------------------------------------------- */

struct fx {
    struct proxy proxy;
    char schema[64];
    struct santa_store *st;
};

static PGconn *admin(void)
{
    PGconn *pg = PQconnectdb(base_conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static bool admin_exec(const char *sql)
{
    PGconn *pg = admin();
    PGresult *r = pg ? PQexec(pg, sql) : NULL;
    bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(pg);
    return ok;
}

/* One row, one column of sql (with one text parameter), as a number; -1. */
static long admin_count(const char *sql, const char *param)
{
    PGconn *pg = admin();
    const char *v[] = {param};
    PGresult *r = pg ? PQexecParams(pg, sql, 1, NULL, v, NULL, NULL, 0) : NULL;
    long n = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                 ? strtol(PQgetvalue(r, 0, 0), NULL, 10)
                 : -1;
    PQclear(r);
    PQfinish(pg);
    return n;
}

static int setup(void **state)
{
    static unsigned counter;
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *port = strstr(base_conninfo, "port=");
    if (!port || !proxy_start(&f->proxy, atoi(port + 5)))
        return -1;
    snprintf(f->schema, sizeof f->schema, "lost_%ld_%u", (long)getpid(), counter++);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    if (!admin_exec(sql))
        return -1;
    /* Through the proxy: the last port= wins in a conninfo. */
    char conninfo[900];
    snprintf(conninfo, sizeof conninfo, "%s port=%d options='-csearch_path=%s'", base_conninfo,
             f->proxy.port, f->schema);
    struct postgres_store_options o = {.conninfo = conninfo};
    char err[512] = "";
    if (postgres_store_open(&o, &f->st, err, sizeof err) != SANTA_OK) {
        fprintf(stderr, "postgres_store_open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    santa_store_close(f->st);
    proxy_stop(&f->proxy);
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
    admin_exec(sql);
    free(f);
    return 0;
}

static void new_exchange(struct santa_exchange *ex, const char *name)
{
    memset(ex, 0, sizeof *ex);
    assert_int_equal(santa_id_new(ex->id), SANTA_OK);
    ex->name = name;
    ex->budget = "";
    assert_int_equal(santa_random_bytes(ex->admin_hash.b, SANTA_HASH_LEN), SANTA_OK);
    assert_int_equal(santa_random_bytes(ex->invite_hash.b, SANTA_HASH_LEN), SANTA_OK);
}

static void new_person(struct santa_participant *p, const char *exchange_id, const char *email)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(santa_id_new(p->id), SANTA_OK);
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    p->name = "Ann";
    p->email = email;
    p->email_key = email;
    p->wishlist = "";
    assert_int_equal(santa_random_bytes(p->token_hash.b, SANTA_HASH_LEN), SANTA_OK);
}

static long rows(struct fx *f, const char *table, const char *where_col, const char *value)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.%s WHERE %s = $1", f->schema, table,
             where_col);
    return admin_count(sql, value);
}

/* ---- the tests ------------------------------------------------------------ */

/* The INSERT of a new exchange commits; its answer is lost. The store must
 * answer OK (the admin token it returns works) and store it once. */
static void test_lost_answer_to_exchange_insert(void **state)
{
    struct fx *f = *state;
    struct santa_exchange warm, ex;
    new_exchange(&warm, "warm-up"); /* prepares EXCHANGE_INSERT on the connection */
    assert_int_equal(f->st->ops->exchange_create(f->st, &warm), SANTA_OK);
    new_exchange(&ex, "cut");
    proxy_arm(&f->proxy, "EXCHANGE_INSERT", CUT_AFTER);
    enum santa_status st = f->st->ops->exchange_create(f->st, &ex);
    assert_int_equal(atomic_load(&f->proxy.cuts), 1);
    if (st != SANTA_OK)
        fail_msg("exchange_create after a lost answer: %s (the exchange %s stored: %ld row)",
                 santa_status_code(st), ex.id, rows(f, "exchanges", "id", ex.id));
    assert_int_equal(rows(f, "exchanges", "id", ex.id), 1);
}

/* A join's COMMIT goes through; its answer is lost. The store must answer
 * OK with the join's seq: the participant gets their token, and no row is
 * left that nobody was told about. */
static void test_lost_answer_to_join_commit(void **state)
{
    struct fx *f = *state;
    struct santa_exchange ex;
    new_exchange(&ex, "join");
    assert_int_equal(f->st->ops->exchange_create(f->st, &ex), SANTA_OK);
    struct santa_participant warm, p;
    new_person(&warm, ex.id, "warm@example.org"); /* prepares COMMIT */
    assert_int_equal(f->st->ops->participant_add(f->st, &warm, 100), SANTA_OK);
    new_person(&p, ex.id, "ann@example.org");
    proxy_arm(&f->proxy, "COMMIT", CUT_AFTER);
    enum santa_status st = f->st->ops->participant_add(f->st, &p, 100);
    assert_int_equal(atomic_load(&f->proxy.cuts), 1);
    long stored = rows(f, "participants", "id", p.id);
    if (st != SANTA_OK)
        fail_msg("join after a lost COMMIT answer: %s, yet %ld row stored (an orphan: its "
                 "token was never given out, its e-mail is taken for good)",
                 santa_status_code(st), stored);
    assert_int_equal(stored, 1);
    char seq[24];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)p.seq);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT seq FROM %s.participants WHERE id = $1", f->schema);
    assert_int_equal(admin_count(sql, p.id), (long)p.seq);
    assert_int_equal(rows(f, "participants", "exchange_id", ex.id), 2);
}

/* The COMMIT never reaches the server: nothing was stored, so the join runs
 * again and succeeds, stored once. */
static void test_lost_commit_before_the_server(void **state)
{
    struct fx *f = *state;
    struct santa_exchange ex;
    new_exchange(&ex, "join2");
    assert_int_equal(f->st->ops->exchange_create(f->st, &ex), SANTA_OK);
    struct santa_participant warm, p;
    new_person(&warm, ex.id, "warm@example.org");
    assert_int_equal(f->st->ops->participant_add(f->st, &warm, 100), SANTA_OK);
    new_person(&p, ex.id, "bob@example.org");
    proxy_arm(&f->proxy, "COMMIT", CUT_BEFORE);
    enum santa_status st = f->st->ops->participant_add(f->st, &p, 100);
    assert_int_equal(atomic_load(&f->proxy.cuts), 1);
    if (st != SANTA_OK)
        fail_msg("join after a COMMIT that never arrived: %s (%ld row stored)",
                 santa_status_code(st), rows(f, "participants", "id", p.id));
    assert_int_equal(rows(f, "participants", "id", p.id), 1);
    assert_int_equal(rows(f, "participants", "exchange_id", ex.id), 2);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CONNINFO_FILE\n", argv[0]);
        return 2;
    }
    FILE *fp = fopen(argv[1], "r");
    if (!fp || !fgets(base_conninfo, sizeof base_conninfo, fp)) {
        fprintf(stderr, "%s: cannot read %s (did the pg_server fixture run?)\n", argv[0], argv[1]);
        return 1;
    }
    fclose(fp);
    base_conninfo[strcspn(base_conninfo, "\n")] = '\0';
    if (santa_token_init() != SANTA_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lost_answer_to_exchange_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_answer_to_join_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_commit_before_the_server, setup, teardown),
    };
    return cmocka_run_group_tests_name("postgres lost connection", tests, NULL, NULL);
}
