/*
 * test_json.c - the strict reader and the builder (json.c).
 *
 * Besides hand-written cases it runs every file of JSONTestSuite
 * (tests/data/JSONTestSuite, vendored with its licence; path given as argv[1]): y_ files must
 * never be called invalid JSON, n_ files must always be refused, and i_
 * files (implementation-defined) must get a clean, documented answer.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "santa/json.h"
#include "santa/alloc.h"

static const char *suite_dir;

static enum santa_status read_none(const char *body, size_t len, struct santa_json_error *err)
{
    struct santa_arena a;
    santa_arena_init(&a, 1 << 20);
    enum santa_status st = santa_json_read_object(body, len, false, NULL, 0, &a, err);
    santa_arena_release(&a);
    return st;
}

static enum santa_status read_join(const char *body, const char **name, bool *flag,
                                   struct santa_json_error *err, struct santa_arena *a)
{
    struct santa_field fields[] = {
        {.name = "name", .type = SANTA_FIELD_STRING, .required = true, .str_out = name},
        {.name = "flag", .type = SANTA_FIELD_BOOL, .bool_out = flag},
    };
    return santa_json_read_object(body, strlen(body), false, fields, 2, a, err);
}

static enum santa_status read_join_n(const char *body, size_t len,
                                     struct santa_json_error *err, struct santa_arena *a)
{
    const char *name = NULL;
    struct santa_field fields[] = {
        {.name = "name", .type = SANTA_FIELD_STRING, .required = true, .str_out = &name},
    };
    return santa_json_read_object(body, len, false, fields, 1, a, err);
}

/* {"name": + levels x [ + levels x ] + } into buf; returns the length. */
static size_t nest(char *buf, size_t levels)
{
    memcpy(buf, "{\"name\":", 8);
    memset(buf + 8, '[', levels);
    memset(buf + 8 + levels, ']', levels);
    buf[8 + 2 * levels] = '}';
    return 8 + 2 * levels + 1;
}

static void test_reader_cases(void **state)
{
    (void)state;
    struct santa_arena a;
    santa_arena_init(&a, 1 << 20);
    struct santa_json_error err;
    const char *name = NULL;
    bool flag = false;

    assert_int_equal(read_join("{\"name\":\"Zo\\u00eb, \\\"x\\\"\",\"flag\":true}", &name, &flag,
                               &err, &a),
                     SANTA_OK);
    assert_string_equal(name, "Zo\xc3\xab, \"x\"");
    assert_true(flag);

    assert_int_equal(read_join("{\"name\":\"a\",}", &name, &flag, &err, &a), SANTA_INVALID_JSON);
    assert_int_equal(read_join("{\"name\":\"a\"} x", &name, &flag, &err, &a), SANTA_INVALID_JSON);
    assert_int_equal(read_join("{\"name\":NaN}", &name, &flag, &err, &a), SANTA_INVALID_JSON);
    assert_int_equal(read_join("{\"name\":\"a\" /* c */}", &name, &flag, &err, &a),
                     SANTA_INVALID_JSON);
    assert_int_equal(read_join("{\"name\":\"\xff\"}", &name, &flag, &err, &a), SANTA_INVALID_JSON);

    assert_int_equal(read_join("[1,2]", &name, &flag, &err, &a), SANTA_VALIDATION_FAILED);
    assert_null(err.field);
    assert_int_equal(read_join("{\"name\":\"a\",\"name\":\"b\"}", &name, &flag, &err, &a),
                     SANTA_VALIDATION_FAILED);
    assert_int_equal(read_join("{\"name\":5}", &name, &flag, &err, &a), SANTA_VALIDATION_FAILED);
    assert_string_equal(err.field, "name");
    assert_int_equal(read_join("{\"flag\":true}", &name, &flag, &err, &a),
                     SANTA_VALIDATION_FAILED);
    assert_string_equal(err.field, "name");
    assert_int_equal(read_join("{\"name\":\"a\",\"flag\":\"yes\"}", &name, &flag, &err, &a),
                     SANTA_VALIDATION_FAILED);
    assert_string_equal(err.field, "flag");
    assert_int_equal(read_join("{\"name\":\"a\\u0000b\"}", &name, &flag, &err, &a),
                     SANTA_VALIDATION_FAILED);
    assert_int_equal(read_join("{\"name\":\"a\",\"status\":\"drawn\"}", &name, &flag, &err, &a),
                     SANTA_UNKNOWN_FIELD);
    assert_string_equal(err.field, "status");

    /* optional null is "absent"; required null is a wrong type */
    flag = true;
    assert_int_equal(read_join("{\"name\":\"a\",\"flag\":null}", &name, &flag, &err, &a),
                     SANTA_OK);
    assert_true(flag);
    assert_int_equal(read_join("{\"name\":null}", &name, &flag, &err, &a),
                     SANTA_VALIDATION_FAILED);
    assert_int_equal(santa_json_read_object("", 0, true, NULL, 0, &a, &err), SANTA_OK);

    /* Issue 10's cases: not JSON, whatever jansson would have said. */
    assert_int_equal(read_none("[\"\\\xf0\x9f\x8c\x80\"]", 9, &err), SANTA_INVALID_JSON);
    assert_int_equal(read_none("123\0", 4, &err), SANTA_INVALID_JSON);
    assert_int_equal(read_none("{9999E9999:1}", 13, &err), SANTA_INVALID_JSON);
    /* Valid JSON nested deeper than 32: refused before any parser recurses. */
    char deep[2 * 850 + 16];
    size_t n = nest(deep, 850);
    assert_int_equal(read_none(deep, n, &err), SANTA_VALIDATION_FAILED);
    assert_non_null(strstr(err.detail, "nested 851 levels"));
    /* 32 levels are fine (then the member has the wrong type), 33 are not. */
    n = nest(deep, 31);
    assert_int_equal(read_join_n(deep, n, &err, &a), SANTA_VALIDATION_FAILED);
    assert_string_equal(err.field, "name");
    n = nest(deep, 32);
    assert_int_equal(read_join_n(deep, n, &err, &a), SANTA_VALIDATION_FAILED);
    assert_null(err.field);
    /* A deep document that is not JSON is invalid_json, however deep. */
    n = nest(deep, 850);
    deep[n - 2] = ',';
    assert_int_equal(read_none(deep, n, &err), SANTA_INVALID_JSON);
    assert_int_equal(santa_json_read_object("", 0, false, NULL, 0, &a, &err), SANTA_INVALID_JSON);
    santa_arena_release(&a);
}

static void test_builder(void **state)
{
    (void)state;
    struct santa_jb jb;
    santa_jb_init(&jb);
    santa_jb_str(&jb, "name", "a\"b\\c/\xc3\xa9\n");
    santa_jb_str(&jb, "budget", NULL);
    santa_jb_bool(&jb, "ok", true);
    santa_jb_uint(&jb, "n", 100000);
    santa_jb_begin_array(&jb, "list");
    santa_jb_begin_object(&jb, NULL);
    santa_jb_str(&jb, "id", "x");
    santa_jb_end(&jb);
    santa_jb_end(&jb);
    size_t len = 0;
    char *out = santa_jb_finish(&jb, &len);
    assert_non_null(out);
    assert_string_equal(out, "{\"name\":\"a\\\"b\\\\c/\xc3\xa9\\n\",\"budget\":null,\"ok\":true,"
                             "\"n\":100000,\"list\":[{\"id\":\"x\"}]}");
    assert_int_equal(len, strlen(out));
    santa_free(out);

    /* unbalanced end is a failure, not a silent success */
    santa_jb_init(&jb);
    santa_jb_end(&jb);
    assert_null(santa_jb_finish(&jb, &len));
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

static void test_json_test_suite(void **state)
{
    (void)state;
    DIR *d = suite_dir ? opendir(suite_dir) : NULL;
    if (d == NULL) {
        /* Vendored in the repository: a missing suite is a broken
         * checkout, not a reason to pass. */
        print_message("JSONTestSuite not found at %s\n",
                      suite_dir ? suite_dir : "(no path given)");
        fail();
    }
    int y = 0, n = 0, i = 0, i_accepted = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char kind = e->d_name[0];
        if (e->d_name[1] != '_' || (kind != 'y' && kind != 'n' && kind != 'i'))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", suite_dir, e->d_name);
        size_t len = 0;
        char *body = slurp(path, &len);
        assert_non_null(body);
        struct santa_json_error err;
        enum santa_status st = read_none(body, len, &err);
        free(body);
        if (kind == 'y') {
            y++;
            if (st == SANTA_INVALID_JSON || st == SANTA_UNAVAILABLE)
                fail_msg("%s is valid JSON but was refused as %s: %s", e->d_name,
                         santa_status_code(st), err.detail);
        } else if (kind == 'n') {
            n++;
            if (st != SANTA_INVALID_JSON)
                fail_msg("%s is not JSON but got %s: %s", e->d_name, santa_status_code(st),
                         err.detail);
        } else {
            i++;
            assert_true(st == SANTA_INVALID_JSON || st == SANTA_VALIDATION_FAILED ||
                        st == SANTA_UNKNOWN_FIELD || st == SANTA_OK);
            if (st != SANTA_INVALID_JSON)
                i_accepted++;
        }
    }
    closedir(d);
    print_message("JSONTestSuite: %d y_ accepted, %d n_ refused, %d i_ (%d parsed as JSON)\n", y,
                  n, i, i_accepted);
    assert_true(y > 90 && n > 180);
}

int main(int argc, char **argv)
{
    suite_dir = argc > 1 ? argv[1] : NULL;
    santa_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_cases),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_json_test_suite),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
