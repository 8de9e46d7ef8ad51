/*
 * store_sqlite_commit.c - group commit (see store_sqlite_commit.h): commits
 * are numbered in order; one thread at a time syncs the WAL for every commit
 * numbered so far, and the others wait on a condition variable until the
 * synced number reaches theirs.
 */
#include "store_sqlite_commit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "santa/alloc.h"
#include "santa/log.h"

struct sqlite_store_commits {
    char *db_path, *wal_path;
    pthread_mutex_t lock;
    pthread_cond_t synced_changed;
    uint64_t committed; /* COMMITs counted so far: the last one's number */
    uint64_t synced;    /* every commit up to this number is on disk */
    uint64_t syncs;     /* fdatasyncs made */
    bool syncing;       /* one thread is inside sync_file() */
    bool failed;        /* a sync failed: no more writes (see the header) */
};

struct sqlite_store_commits *sqlite_store_commits_new(const char *db_path)
{
    struct sqlite_store_commits *g = santa_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    size_t n = strlen(db_path) + sizeof "-wal";
    g->db_path = santa_strdup(db_path);
    g->wal_path = santa_malloc(n);
    if (!g->db_path || !g->wal_path) {
        sqlite_store_commits_free(g);
        return NULL;
    }
    snprintf(g->wal_path, n, "%s-wal", db_path);
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->synced_changed, NULL);
    return g;
}

void sqlite_store_commits_free(struct sqlite_store_commits *g)
{
    if (!g)
        return;
    if (g->db_path && g->wal_path) {
        pthread_cond_destroy(&g->synced_changed);
        pthread_mutex_destroy(&g->lock);
    }
    santa_free(g->db_path);
    santa_free(g->wal_path);
    santa_free(g);
}

/* fdatasync of the file at path through a descriptor of our own: a sync
 * flushes the file, whichever descriptor wrote it. Opened for each sync, so
 * a WAL that SQLite truncated or recreated is never missed through an old
 * descriptor. Returns 0, or an errno value. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fdatasync(fd) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

/* The WAL; when there is none, every commit was checkpointed into the
 * database file and the WAL removed (the last connection closed), so the
 * database file is what must be on disk. */
static int sync_file(struct sqlite_store_commits *g)
{
    int rc = sync_path(g->wal_path);
    if (rc == ENOENT)
        rc = sync_path(g->db_path);
    return rc;
}

bool sqlite_store_commits_usable(struct sqlite_store_commits *g)
{
    pthread_mutex_lock(&g->lock);
    bool ok = !g->failed;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

uint64_t sqlite_store_commits_add(struct sqlite_store_commits *g)
{
    pthread_mutex_lock(&g->lock);
    uint64_t seq = ++g->committed;
    pthread_mutex_unlock(&g->lock);
    return seq;
}

enum santa_status sqlite_store_commits_wait(struct sqlite_store_commits *g, uint64_t seq)
{
    pthread_mutex_lock(&g->lock);
    while (!g->failed && g->synced < seq) {
        if (g->syncing) {
            /* The sync under way may have begun before this commit: wait
             * for it, then look again (and maybe start the next one). */
            pthread_cond_wait(&g->synced_changed, &g->lock);
            continue;
        }
        /* Everything committed up to now is in the WAL file (SQLite wrote
         * it before COMMIT returned), so this sync covers all of it. */
        uint64_t target = g->committed;
        g->syncing = true;
        pthread_mutex_unlock(&g->lock);
        int rc = sync_file(g);
        pthread_mutex_lock(&g->lock);
        g->syncing = false;
        g->syncs++;
        if (rc != 0) {
            /* strerrordesc_np: strerror() may share one buffer between
             * threads. */
            const char *why = strerrordesc_np(rc);
            g->failed = true;
            santa_log(SANTA_LOG_ERROR,
                      "store sqlite: fdatasync of %s failed: %s; refusing writes until the "
                      "process restarts",
                      g->wal_path, why ? why : "unknown error");
        } else if (target > g->synced) {
            g->synced = target;
        }
        pthread_cond_broadcast(&g->synced_changed);
    }
    enum santa_status st = g->synced >= seq ? SANTA_OK : SANTA_UNAVAILABLE;
    pthread_mutex_unlock(&g->lock);
    return st;
}

uint64_t sqlite_store_commits_syncs(struct sqlite_store_commits *g)
{
    pthread_mutex_lock(&g->lock);
    uint64_t n = g->syncs;
    pthread_mutex_unlock(&g->lock);
    return n;
}

uint64_t sqlite_store_commits_synced(struct sqlite_store_commits *g)
{
    pthread_mutex_lock(&g->lock);
    uint64_t n = g->synced;
    pthread_mutex_unlock(&g->lock);
    return n;
}
