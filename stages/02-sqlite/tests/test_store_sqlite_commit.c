/*
 * test_store_sqlite_commit.c - the group commit (store_sqlite_commit.h) on its
 * own: every wait returns only once a sync covers its commit, a sync that
 * fails refuses that write and every later one, and a missing WAL falls
 * back to the database file.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_sqlite_commit.h"

struct dir {
    char root[64];
    char db[96];
    char wal[112];
};

static int setup_dir(void **state)
{
    struct dir *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->root, sizeof d->root, "/tmp/santa-commit-XXXXXX");
    if (!mkdtemp(d->root)) {
        free(d);
        return -1;
    }
    snprintf(d->db, sizeof d->db, "%s/santa.db", d->root);
    snprintf(d->wal, sizeof d->wal, "%s/santa.db-wal", d->root);
    *state = d;
    return 0;
}

static int teardown_dir(void **state)
{
    struct dir *d = *state;
    unlink(d->wal);
    unlink(d->db);
    rmdir(d->root);
    free(d);
    return 0;
}

static void make_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
}

#define GROUP_THREADS 8
#define GROUP_COMMITS 200

struct committer {
    struct sqlite_store_commits *g;
    pthread_mutex_t *turn; /* stands for the store's writer turn */
    int late;              /* waits that returned before a sync covered them */
    int failed;            /* waits that did not return SANTA_OK */
};

static void *committer_main(void *arg)
{
    struct committer *c = arg;
    for (int i = 0; i < GROUP_COMMITS; i++) {
        pthread_mutex_lock(c->turn);
        uint64_t seq = sqlite_store_commits_add(c->g);
        pthread_mutex_unlock(c->turn);
        if (sqlite_store_commits_wait(c->g, seq) != SANTA_OK)
            c->failed++;
        else if (sqlite_store_commits_synced(c->g) < seq)
            c->late++;
    }
    return NULL;
}

/* Many writers: each is answered only after a sync that covers its commit,
 * and no more syncs are made than commits. */
static void test_every_wait_is_covered_by_a_sync(void **state)
{
    struct dir *d = *state;
    make_file(d->db);
    make_file(d->wal);
    struct sqlite_store_commits *g = sqlite_store_commits_new(d->db);
    assert_non_null(g);
    pthread_mutex_t turn = PTHREAD_MUTEX_INITIALIZER;
    pthread_t th[GROUP_THREADS];
    struct committer c[GROUP_THREADS];
    for (int i = 0; i < GROUP_THREADS; i++) {
        c[i] = (struct committer){g, &turn, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, committer_main, &c[i]), 0);
    }
    int late = 0, failed = 0;
    for (int i = 0; i < GROUP_THREADS; i++) {
        pthread_join(th[i], NULL);
        late += c[i].late;
        failed += c[i].failed;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(late, 0);
    assert_int_equal(sqlite_store_commits_synced(g), GROUP_THREADS * GROUP_COMMITS);
    uint64_t syncs = sqlite_store_commits_syncs(g);
    assert_true(syncs >= 1);
    assert_true(syncs <= GROUP_THREADS * GROUP_COMMITS);
    assert_true(sqlite_store_commits_usable(g));
    sqlite_store_commits_free(g);
}

/* A wait with nothing new to sync returns at once, without a sync. */
static void test_covered_commit_needs_no_new_sync(void **state)
{
    struct dir *d = *state;
    make_file(d->db);
    make_file(d->wal);
    struct sqlite_store_commits *g = sqlite_store_commits_new(d->db);
    assert_non_null(g);
    uint64_t a = sqlite_store_commits_add(g);
    uint64_t b = sqlite_store_commits_add(g);
    assert_int_equal(sqlite_store_commits_wait(g, b), SANTA_OK); /* covers a too */
    assert_int_equal(sqlite_store_commits_syncs(g), 1);
    assert_int_equal(sqlite_store_commits_wait(g, a), SANTA_OK);
    assert_int_equal(sqlite_store_commits_syncs(g), 1);
    sqlite_store_commits_free(g);
}

/* No WAL (all of it checkpointed and removed): the database file is synced. */
static void test_missing_wal_syncs_the_database(void **state)
{
    struct dir *d = *state;
    make_file(d->db);
    struct sqlite_store_commits *g = sqlite_store_commits_new(d->db);
    assert_non_null(g);
    assert_int_equal(sqlite_store_commits_wait(g, sqlite_store_commits_add(g)), SANTA_OK);
    assert_true(sqlite_store_commits_usable(g));
    sqlite_store_commits_free(g);
}

/* A sync that fails is final: that write and every later one are refused,
 * and no second sync is tried. */
static void test_failed_sync_refuses_every_later_write(void **state)
{
    struct dir *d = *state; /* neither file exists: open() fails */
    struct sqlite_store_commits *g = sqlite_store_commits_new(d->db);
    assert_non_null(g);
    assert_true(sqlite_store_commits_usable(g));
    assert_int_equal(sqlite_store_commits_wait(g, sqlite_store_commits_add(g)), SANTA_UNAVAILABLE);
    assert_false(sqlite_store_commits_usable(g));
    make_file(d->db); /* the file is back: still refused (fsyncgate) */
    assert_int_equal(sqlite_store_commits_wait(g, sqlite_store_commits_add(g)), SANTA_UNAVAILABLE);
    assert_int_equal(sqlite_store_commits_syncs(g), 1);
    sqlite_store_commits_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_wait_is_covered_by_a_sync, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_covered_commit_needs_no_new_sync, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_missing_wal_syncs_the_database, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_failed_sync_refuses_every_later_write, setup_dir,
                                        teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
