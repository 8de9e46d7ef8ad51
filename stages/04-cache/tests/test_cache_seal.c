/*
 * test_cache_seal.c - the key that seals cached values: processes given the
 * same key file (stage 05's replicas on one Redis) accept each other's
 * entries; a process with its own random key refuses them; a key file that
 * is missing or malformed stops the start with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache_seal.h"
#include "santa/alloc.h"
#include "santa/server.h"

#define KEY_HEX "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    fclose(f);
}

/* Seals a value with `by` and unseals it with `with`: true when accepted. */
static bool crosses(const struct cache_seal *by, const struct cache_seal *with)
{
    const char *json = "{\"n\":\"Ann\"}";
    size_t len = 0;
    uint64_t now = cache_seal_now_ms();
    char *sealed = cache_seal(by, "santa:x:abc", "a:def", json, strlen(json), now + 60000, &len);
    assert_non_null(sealed);
    struct santa_arena a;
    santa_arena_init(&a, 1024);
    const char *out = NULL;
    size_t out_len = 0;
    bool ok = cache_unseal(with, "santa:x:abc", "a:def", sealed, len, now, &a, &out, &out_len);
    if (ok)
        assert_memory_equal(out, json, strlen(json));
    santa_arena_release(&a);
    santa_free(sealed);
    return ok;
}

static void test_shared_key_file(void **state)
{
    (void)state;
    char path[] = "/tmp/santa-cache-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, KEY_HEX "\n");
    struct cache_seal r1, r2, own;
    char err[256] = "";
    assert_int_equal(cache_seal_init(&r1, path, err, sizeof err), SANTA_OK);
    assert_int_equal(cache_seal_init(&r2, path, err, sizeof err), SANTA_OK);
    assert_int_equal(cache_seal_init(&own, NULL, err, sizeof err), SANTA_OK);
    assert_true(crosses(&r1, &r2)); /* two replicas, one key */
    assert_true(crosses(&r2, &r1));
    assert_false(crosses(&r1, &own)); /* a random key refuses them */
    assert_false(crosses(&own, &r2));

    /* Wrong length, a non-hex digit, or no file: a reason, no key. */
    write_file(path, "0011");
    assert_int_equal(cache_seal_init(&r1, path, err, sizeof err), SANTA_UNAVAILABLE);
    assert_non_null(strstr(err, "64 hex digits"));
    char bad[] = KEY_HEX;
    bad[0] = 'z';
    write_file(path, bad);
    assert_int_equal(cache_seal_init(&r1, path, err, sizeof err), SANTA_UNAVAILABLE);
    assert_non_null(strstr(err, "64 hex digits"));
    unlink(path);
    assert_int_equal(cache_seal_init(&r1, path, err, sizeof err), SANTA_UNAVAILABLE);
    assert_non_null(strstr(err, "cannot read"));
}

int main(void)
{
    if (santa_runtime_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_key_file),
    };
    return cmocka_run_group_tests_name("cache_seal", tests, NULL, NULL);
}
