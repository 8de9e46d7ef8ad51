/*
 * test_store_csv.c - the CSV store against the shared store contract, then
 * what only a file-backed store can get wrong: torn tails, leftover temp
 * files, the directory lock, the formula guard on disk, dead draw rows.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "santa/arena.h"
#include "santa/draw_plan.h"
#include "santa/token.h"
#include "store_contract.h"
#include "store_csv.h"

/* ---- the factory: a fresh mkdtemp directory per test -------------------- */

struct temp_dir {
    char path[64];
};

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    rmdir(path);
}

static struct santa_store *open_dir(const char *path)
{
    struct csv_store_options o = {.data_dir = path};
    struct santa_store *s = NULL;
    char err[256] = "";
    if (csv_store_open(&o, &s, err, sizeof err) != SANTA_OK) {
        fprintf(stderr, "csv_store_open(%s): %s\n", path, err);
        return NULL;
    }
    return s;
}

static struct santa_store *factory_open(void *ctx)
{
    struct temp_dir *t = ctx;
    snprintf(t->path, sizeof t->path, "/tmp/santa-csv-XXXXXX");
    if (!mkdtemp(t->path))
        return NULL;
    return open_dir(t->path);
}

static struct santa_store *factory_reopen(void *ctx)
{
    return open_dir(((struct temp_dir *)ctx)->path);
}

static void factory_cleanup(void *ctx)
{
    remove_dir(((struct temp_dir *)ctx)->path);
}

/* ---- helpers for the CSV-specific tests -------------------------------- */

struct fixture {
    struct temp_dir dir;
    struct santa_store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->s = factory_open(&f->dir);
    if (!f->s) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    santa_store_close(f->s);
    factory_cleanup(&f->dir);
    free(f);
    return 0;
}

static void reopen(struct fixture *f)
{
    santa_store_close(f->s);
    f->s = factory_reopen(&f->dir);
    assert_non_null(f->s);
}

static void file_path(const struct fixture *f, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", f->dir.path, name);
}

static off_t file_size(const struct fixture *f, const char *name)
{
    char p[128];
    file_path(f, name, p, sizeof p);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    return sb.st_size;
}

static void append_raw(const struct fixture *f, const char *name, const char *bytes)
{
    char p[128];
    file_path(f, name, p, sizeof p);
    int fd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
    close(fd);
}

/* The whole file as a NUL-terminated string (caller frees). */
static char *read_raw(const struct fixture *f, const char *name)
{
    char p[128];
    file_path(f, name, p, sizeof p);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void hash_of(const char *secret, struct santa_hash *h)
{
    santa_secret_hash(secret, strlen(secret), h);
}

static void make_exchange(struct santa_store *s, const char *name, struct santa_exchange *ex)
{
    memset(ex, 0, sizeof *ex);
    assert_int_equal(santa_id_new(ex->id), SANTA_OK);
    ex->name = name;
    hash_of(ex->id, &ex->admin_hash);
    hash_of(name, &ex->invite_hash);
    assert_int_equal(s->ops->exchange_create(s, ex), SANTA_OK);
}

static void add_participant(struct santa_store *s, const char *exchange_id, const char *name,
                            const char *email, struct santa_participant *p)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(santa_id_new(p->id), SANTA_OK);
    memcpy(p->exchange_id, exchange_id, SANTA_ID_LEN + 1);
    p->name = name;
    p->email = email;
    p->email_key = email;
    p->wishlist = "";
    hash_of(p->id, &p->token_hash);
    assert_int_equal(s->ops->participant_add(s, p, 100), SANTA_OK);
}

/* ---- CSV-specific tests ------------------------------------------------ */

static void test_torn_tail_is_truncated(void **state)
{
    struct fixture *f = *state;
    struct santa_exchange ex;
    struct santa_participant a, b;
    make_exchange(f->s, "Office", &ex);
    add_participant(f->s, ex.id, "Ann", "ann@example.com", &a);
    add_participant(f->s, ex.id, "Bob", "bob@example.com", &b);
    off_t good = file_size(f, "participants.csv");
    santa_store_close(f->s);
    f->s = NULL;

    /* A crash in the middle of an append: half a record, open quote. */
    append_raw(f, "participants.csv", "3,AAAAAAAAAAAAAAAAAAAAAA,\"half a na");
    f->s = factory_reopen(&f->dir);
    assert_non_null(f->s);
    assert_int_equal(file_size(f, "participants.csv"), good);

    struct santa_arena ar;
    santa_arena_init(&ar, 1 << 20);
    struct santa_participant got;
    assert_int_equal(f->s->ops->participant_get(f->s, ex.id, b.id, &ar, &got), SANTA_OK);
    assert_string_equal(got.name, "Bob");
    struct santa_participant c;
    add_participant(f->s, ex.id, "Cat", "cat@example.com", &c);
    assert_true(c.seq > b.seq);
    struct santa_participant_page page;
    assert_int_equal(f->s->ops->participant_list(f->s, ex.id, 0, 10, &ar, &page), SANTA_OK);
    assert_int_equal(page.count, 3);
    assert_string_equal(page.items[2].name, "Cat");
    santa_arena_release(&ar);
}

static void test_leftover_tmp_is_removed(void **state)
{
    struct fixture *f = *state;
    struct santa_exchange ex;
    make_exchange(f->s, "Family", &ex);
    santa_store_close(f->s);
    f->s = NULL;

    /* A rewrite that died before its rename. */
    append_raw(f, "exchanges.csv.tmp", "id,name\r\ngarbage,\"never committed");
    f->s = factory_reopen(&f->dir);
    assert_non_null(f->s);
    char p[128];
    file_path(f, "exchanges.csv.tmp", p, sizeof p);
    assert_int_not_equal(access(p, F_OK), 0);

    struct santa_arena ar;
    santa_arena_init(&ar, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(f->s->ops->exchange_get(f->s, ex.id, &ar, &got), SANTA_OK);
    assert_string_equal(got.name, "Family");
    santa_arena_release(&ar);
}

static void test_second_open_fails(void **state)
{
    struct fixture *f = *state;
    struct csv_store_options o = {.data_dir = f->dir.path};
    struct santa_store *second = (struct santa_store *)1;
    char err[256] = "";
    assert_int_equal(csv_store_open(&o, &second, err, sizeof err), SANTA_UNAVAILABLE);
    assert_null(second);
    assert_non_null(strstr(err, "in use"));
    /* Once the first store is closed the directory is free again. */
    reopen(f);
}

static void test_formula_name_stored_guarded(void **state)
{
    struct fixture *f = *state;
    const char *evil = "=HYPERLINK(\"http://evil.example\",\"click\")";
    struct santa_exchange ex;
    make_exchange(f->s, evil, &ex);
    struct santa_participant p;
    add_participant(f->s, ex.id, "@SUM(1+1)", "sum@example.com", &p);
    assert_int_equal(f->s->ops->wishlist_set(f->s, ex.id, p.id, "-rm, \"x\"\r\n'quoted"),
                     SANTA_OK);

    char *raw = read_raw(f, "exchanges.csv");
    assert_non_null(strstr(raw, ",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","));
    free(raw);
    raw = read_raw(f, "participants.csv");
    assert_non_null(strstr(raw, ",'@SUM(1+1),"));
    assert_non_null(strstr(raw, ",\"'-rm, \"\"x\"\"\r\n'quoted\","));
    free(raw);

    reopen(f);
    struct santa_arena ar;
    santa_arena_init(&ar, 1 << 20);
    struct santa_exchange got;
    assert_int_equal(f->s->ops->exchange_get(f->s, ex.id, &ar, &got), SANTA_OK);
    assert_string_equal(got.name, evil);
    struct santa_participant gp;
    assert_int_equal(f->s->ops->participant_get(f->s, ex.id, p.id, &ar, &gp), SANTA_OK);
    assert_string_equal(gp.name, "@SUM(1+1)");
    assert_string_equal(gp.wishlist, "-rm, \"x\"\r\n'quoted");
    santa_arena_release(&ar);
}

/* A draw that crashed after appending its rows but before committing the
 * exchange leaves rows of a generation nobody names: reads ignore them and
 * the next draw does not collide with them. */
static void test_dead_draw_rows_are_ignored(void **state)
{
    struct fixture *f = *state;
    struct santa_exchange ex;
    struct santa_participant p[3];
    make_exchange(f->s, "Crash", &ex);
    add_participant(f->s, ex.id, "A", "a@example.com", &p[0]);
    add_participant(f->s, ex.id, "B", "b@example.com", &p[1]);
    add_participant(f->s, ex.id, "C", "c@example.com", &p[2]);
    santa_store_close(f->s);
    f->s = NULL;
    /* Generation 1, giver A -> A: impossible, so we can tell it apart. */
    char row[128];
    snprintf(row, sizeof row, "%s,1,%s,%s\r\n", ex.id, p[0].id, p[0].id);
    append_raw(f, "assignments.csv", row);
    f->s = factory_reopen(&f->dir);
    assert_non_null(f->s);

    struct santa_arena ar;
    santa_arena_init(&ar, 1 << 20);
    struct santa_assignment as;
    assert_int_equal(f->s->ops->assignment_get(f->s, ex.id, p[0].id, &ar, &as), SANTA_NOT_DRAWN);

    struct santa_rng rng = santa_rng_csprng();
    struct santa_draw_plan *plan = santa_draw_plan_new(&rng);
    assert_non_null(plan);
    assert_int_equal(f->s->ops->draw(f->s, ex.id, plan), SANTA_OK);
    santa_draw_plan_free(plan);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f->s->ops->assignment_get(f->s, ex.id, p[i].id, &ar, &as), SANTA_OK);
        assert_string_not_equal(as.recipient_id, p[i].id);
    }
    /* Undraw, reopen: still open, and nothing of the old draw shows. */
    assert_int_equal(f->s->ops->undraw(f->s, ex.id), SANTA_OK);
    reopen(f);
    assert_int_equal(f->s->ops->assignment_get(f->s, ex.id, p[0].id, &ar, &as), SANTA_NOT_DRAWN);
    struct santa_exchange got;
    assert_int_equal(f->s->ops->exchange_get(f->s, ex.id, &ar, &got), SANTA_OK);
    assert_false(got.drawn);
    assert_int_equal(got.participant_count, 3);
    santa_arena_release(&ar);
}

static void test_seq_survives_reopen(void **state)
{
    struct fixture *f = *state;
    struct santa_exchange ex;
    struct santa_participant a, b;
    make_exchange(f->s, "Seq", &ex);
    add_participant(f->s, ex.id, "A", "a@example.com", &a);
    reopen(f);
    add_participant(f->s, ex.id, "B", "b@example.com", &b);
    assert_true(b.seq > a.seq);
}

int main(void)
{
    if (santa_token_init() != SANTA_OK)
        return 1;
    struct temp_dir dir;
    struct santa_store_factory factory = {
        .name = "csv",
        .open = factory_open,
        .reopen = factory_reopen,
        .cleanup = factory_cleanup,
        .ctx = &dir,
    };
    int failed = santa_store_contract_run(&factory);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_torn_tail_is_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_tmp_is_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_open_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_formula_name_stored_guarded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_draw_rows_are_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_survives_reopen, setup, teardown),
    };
    failed += cmocka_run_group_tests_name("csv store files", tests, NULL, NULL);
    return failed;
}
