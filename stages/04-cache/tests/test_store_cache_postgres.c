/*
 * test_store_cache_postgres.c - the store contract through stage 04's real
 * stack: the cache store over the PostgreSQL store, with a real Redis.
 *
 * Usage: test_store_cache_postgres CONNINFO_FILE (written by stage 03's
 * pg_server ctest fixture). Each contract test gets a fresh schema (the
 * PostgreSQL store applies its migrations into it) and the one Redis this
 * program starts; ids are random, so tests never see each other's keys.
 * libpq is used here only to create and drop those schemas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "redis_proc.h"
#include "store_cache.h"
#include "store_contract.h"
#include "store_postgres.h"

static char base_conninfo[512];
static struct redis_proc g_redis;

struct schema {
    char name[64];
    char conninfo[768]; /* base + search_path */
};

static bool ddl(const char *sql)
{
    PGconn *pg = PQconnectdb(base_conninfo);
    bool ok = PQstatus(pg) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(pg, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
    } else {
        fprintf(stderr, "connect: %s", PQerrorMessage(pg));
    }
    PQfinish(pg);
    return ok;
}

static struct santa_store *open_cached(const char *conninfo)
{
    struct postgres_store_options po = {.conninfo = conninfo};
    struct santa_store *inner = NULL, *s = NULL;
    char err[512] = "";
    if (postgres_store_open(&po, &inner, err, sizeof err) != SANTA_OK) {
        fprintf(stderr, "postgres_store_open: %s\n", err);
        return NULL;
    }
    struct cache_store_options o = {
        .inner = inner,
        .redis_host = "127.0.0.1",
        .redis_port = (uint16_t)g_redis.port,
        .redis_password = g_redis.password,
        .connect_timeout_ms = 500,
        .command_timeout_ms = 500,
    };
    if (cache_store_open(&o, &s, err, sizeof err) != SANTA_OK)
        fprintf(stderr, "cache_store_open: %s\n", err);
    return s;
}

/* Schema names are ours (letters, digits, _), so they may be spliced into DDL. */
static struct santa_store *factory_open(void *ctx)
{
    struct schema *s = ctx;
    static unsigned counter;
    char sql[128];
    snprintf(s->name, sizeof s->name, "cc_%ld_%u", (long)getpid(), counter++);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", s->name);
    snprintf(s->conninfo, sizeof s->conninfo, "%s options='-csearch_path=%s'", base_conninfo,
             s->name);
    return ddl(sql) ? open_cached(s->conninfo) : NULL;
}

static struct santa_store *factory_reopen(void *ctx)
{
    return open_cached(((struct schema *)ctx)->conninfo);
}

static void factory_cleanup(void *ctx)
{
    struct schema *s = ctx;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", s->name);
    ddl(sql);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONNINFO_FILE (written by the pg_server fixture)\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    bool read = f && fgets(base_conninfo, sizeof base_conninfo, f);
    if (f)
        fclose(f);
    if (!read) {
        fprintf(stderr, "%s: cannot read %s: did the pg_server fixture run?\n", argv[0], argv[1]);
        return 1;
    }
    base_conninfo[strcspn(base_conninfo, "\n")] = '\0';
    if (redis_proc_start(&g_redis) != 0) {
        fprintf(stderr, "%s: could not start redis-server\n", argv[0]);
        redis_proc_cleanup(&g_redis);
        return 1;
    }
    struct schema ctx = {{0}, {0}};
    const struct santa_store_factory factory = {
        .name = "cache(postgres)",
        .open = factory_open,
        .reopen = factory_reopen,
        .cleanup = factory_cleanup,
        .ctx = &ctx,
    };
    int failed = santa_store_contract_run(&factory);
    redis_proc_cleanup(&g_redis);
    return failed;
}
