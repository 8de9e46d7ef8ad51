/*
 * test_csv.c - the RFC 4180 codec: round trips, the formula guard, torn and
 * malformed input, the fd reader, and seeded random round trips.
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

#include "csv.h"

/* Encodes fields, checks the raw bytes (when want_raw is given), decodes them
 * back and checks every field byte for byte. */
static void round_trip(const char *const *fields, size_t n, const char *want_raw)
{
    struct csv_buf b;
    csv_buf_init(&b);
    assert_true(csv_buf_add_record(&b, fields, n));
    if (want_raw) {
        assert_int_equal(b.len, strlen(want_raw));
        assert_memory_equal(b.data, want_raw, b.len);
    }
    struct csv_record r;
    csv_record_init(&r);
    size_t pos = 0;
    assert_int_equal(csv_parse_record(b.data, b.len, &pos, &r), CSV_OK);
    assert_int_equal(pos, b.len);
    assert_int_equal(csv_record_count(&r), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(csv_record_field(&r, i), fields[i]);
    assert_null(csv_record_field(&r, n));
    assert_int_equal(csv_parse_record(b.data, b.len, &pos, &r), CSV_END);
    csv_record_free(&r);
    csv_buf_free(&b);
}

static void test_plain(void **state)
{
    (void)state;
    const char *f[] = {"alice", "bob", "42"};
    round_trip(f, 3, "alice,bob,42\r\n");
}

static void test_comma_quote_crlf(void **state)
{
    (void)state;
    const char *f[] = {"a,b", "say \"hi\"", "line1\r\nline2", "lf\nonly", "cr\ronly"};
    round_trip(f, 5,
               "\"a,b\",\"say \"\"hi\"\"\",\"line1\r\nline2\",\"lf\nonly\",\"cr\ronly\"\r\n");
}

static void test_empty_fields(void **state)
{
    (void)state;
    const char *f[] = {"", "", ""};
    round_trip(f, 3, ",,\r\n");
    const char *one[] = {""};
    round_trip(one, 1, "\r\n");
    const char *quote_only[] = {"\"", "\"\""};
    round_trip(quote_only, 2, "\"\"\"\",\"\"\"\"\"\"\r\n");
}

static void test_utf8(void **state)
{
    (void)state;
    const char *f[] = {"Zoë", "日本語", "🎅🎁", "naïve, \"café\""};
    round_trip(f, 4, NULL);
}

static void test_formula_guard(void **state)
{
    (void)state;
    const char *f[] = {"=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                       "'quoted", "''", "a=b", "="};
    round_trip(f, 10,
               "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+1,'-1,'@SUM(A1),'\tx,\"'\rx\","
               "''quoted,''',a=b,'=\r\n");
    assert_true(csv_field_needs_guard("=x", 2));
    assert_true(csv_field_needs_guard("'", 1));
    assert_false(csv_field_needs_guard("x=", 2));
    assert_false(csv_field_needs_guard("", 0));
}

static void test_hand_written_input(void **state)
{
    (void)state;
    struct csv_record r;
    csv_record_init(&r);
    /* A bare LF ends a record too, and a quoted field may span lines. */
    const char *in = "a,\"b\nc\"\nd\r\n";
    size_t pos = 0;
    assert_int_equal(csv_parse_record(in, strlen(in), &pos, &r), CSV_OK);
    assert_int_equal(csv_record_count(&r), 2);
    assert_string_equal(csv_record_field(&r, 1), "b\nc");
    assert_int_equal(csv_parse_record(in, strlen(in), &pos, &r), CSV_OK);
    assert_string_equal(csv_record_field(&r, 0), "d");
    assert_int_equal(csv_parse_record(in, strlen(in), &pos, &r), CSV_END);
    csv_record_free(&r);
}

static void expect(const char *in, enum csv_result want)
{
    struct csv_record r;
    csv_record_init(&r);
    size_t pos = 0;
    assert_int_equal(csv_parse_record(in, strlen(in), &pos, &r), want);
    if (want != CSV_OK)
        assert_int_equal(pos, 0); /* a failed parse consumes nothing */
    csv_record_free(&r);
}

static void test_incomplete(void **state)
{
    (void)state;
    expect("", CSV_END);
    expect("a,b", CSV_INCOMPLETE);        /* no terminator yet */
    expect("a,b\r", CSV_INCOMPLETE);      /* CR without its LF */
    expect("\"a", CSV_INCOMPLETE);        /* open quote */
    expect("\"a\r\nb", CSV_INCOMPLETE);   /* open quote spanning lines */
    expect("\"a\"", CSV_INCOMPLETE);      /* closed, but is it "" or the end? */
    expect("a,", CSV_INCOMPLETE);
    expect("a,b\r\n", CSV_OK);
    expect("\"a\"\r\n", CSV_OK);
}

static void test_malformed(void **state)
{
    (void)state;
    expect("a\"b,c\r\n", CSV_MALFORMED);  /* quote inside an unquoted field */
    expect("\"a\"x\r\n", CSV_MALFORMED);  /* text after a closing quote */
    expect("a\rb\r\n", CSV_MALFORMED);    /* bare CR outside quotes */
}

/* A temp file holding exactly bytes[0..n). */
static int temp_file(const char *bytes, size_t n)
{
    char path[] = "/tmp/test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, bytes, n), (ssize_t)n);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void test_reader_big_and_torn(void **state)
{
    (void)state;
    /* A field bigger than the reader's chunk forces the buffer to grow; the
     * last record is cut in half, as a crash mid-append leaves it. */
    size_t big_len = 200000;
    char *big = malloc(big_len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)("ab,\"\n"[i % 5]);
    big[big_len] = '\0';
    struct csv_buf b;
    csv_buf_init(&b);
    const char *r1[] = {"h1", "h2"};
    const char *r2[] = {big, "x"};
    assert_true(csv_buf_add_record(&b, r1, 2));
    assert_true(csv_buf_add_record(&b, r2, 2));
    size_t complete = b.len;
    const char *r3[] = {"torn", "=tail"};
    assert_true(csv_buf_add_record(&b, r3, 2));
    int fd = temp_file(b.data, b.len - 3);

    struct csv_reader rd;
    struct csv_record rec;
    csv_reader_init(&rd, fd);
    csv_record_init(&rec);
    assert_int_equal(csv_reader_next(&rd, &rec), CSV_OK);
    assert_string_equal(csv_record_field(&rec, 1), "h2");
    assert_int_equal(csv_reader_next(&rd, &rec), CSV_OK);
    assert_string_equal(csv_record_field(&rec, 0), big);
    assert_int_equal(csv_reader_offset(&rd), (off_t)complete);
    assert_int_equal(csv_reader_next(&rd, &rec), CSV_INCOMPLETE);
    assert_int_equal(csv_reader_offset(&rd), (off_t)complete);
    csv_record_free(&rec);
    csv_reader_free(&rd);
    close(fd);
    csv_buf_free(&b);
    free(big);
}

static void test_reader_clean_end(void **state)
{
    (void)state;
    const char *in = "a,b\r\nc,d\r\n";
    int fd = temp_file(in, strlen(in));
    struct csv_reader rd;
    struct csv_record rec;
    csv_reader_init(&rd, fd);
    csv_record_init(&rec);
    assert_int_equal(csv_reader_next(&rd, &rec), CSV_OK);
    assert_int_equal(csv_reader_next(&rd, &rec), CSV_OK);
    assert_string_equal(csv_record_field(&rec, 1), "d");
    assert_int_equal(csv_reader_next(&rd, &rec), CSV_END);
    assert_int_equal(csv_reader_offset(&rd), (off_t)strlen(in));
    csv_record_free(&rec);
    csv_reader_free(&rd);
    close(fd);
}

/* xorshift64: a seeded, local generator so failures reproduce. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_random_round_trips(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a", "Z", ",", "\"", "\r", "\n", "\r\n", "=", "+",
                                        "-", "@", "\t", "'", " ", "é", "🎅", "\"\""};
    const size_t natoms = sizeof atoms / sizeof atoms[0];
    uint64_t seed = 0x5eed5a17a5u;
    enum { RECORDS = 3000, MAX_FIELDS = 8, MAX_ATOMS = 12 };
    char(*text)[MAX_FIELDS][MAX_ATOMS * 4 + 1] = calloc(RECORDS, sizeof *text);
    size_t *counts = calloc(RECORDS, sizeof *counts);
    assert_non_null(text);
    assert_non_null(counts);
    struct csv_buf b;
    csv_buf_init(&b);
    for (size_t r = 0; r < RECORDS; r++) {
        counts[r] = 1 + next_rand(&seed) % MAX_FIELDS;
        const char *fields[MAX_FIELDS];
        for (size_t f = 0; f < counts[r]; f++) {
            size_t atoms_n = next_rand(&seed) % (MAX_ATOMS + 1);
            size_t used = 0;
            for (size_t k = 0; k < atoms_n; k++) {
                const char *atom = atoms[next_rand(&seed) % natoms];
                size_t n = strlen(atom);
                memcpy(text[r][f] + used, atom, n);
                used += n;
            }
            text[r][f][used] = '\0';
            fields[f] = text[r][f];
        }
        assert_true(csv_buf_add_record(&b, fields, counts[r]));
    }
    struct csv_record rec;
    csv_record_init(&rec);
    size_t pos = 0;
    for (size_t r = 0; r < RECORDS; r++) {
        assert_int_equal(csv_parse_record(b.data, b.len, &pos, &rec), CSV_OK);
        assert_int_equal(csv_record_count(&rec), counts[r]);
        for (size_t f = 0; f < counts[r]; f++)
            assert_string_equal(csv_record_field(&rec, f), text[r][f]);
    }
    assert_int_equal(csv_parse_record(b.data, b.len, &pos, &rec), CSV_END);
    /* Every strict prefix that cuts a record is incomplete, never a record
     * with different content: check a sample of cut points. */
    for (int i = 0; i < 2000; i++) {
        size_t cut = next_rand(&seed) % b.len;
        size_t p = 0, last_end = 0;
        enum csv_result res;
        while ((res = csv_parse_record(b.data, cut, &p, &rec)) == CSV_OK)
            last_end = p;
        assert_true(res == CSV_INCOMPLETE || (res == CSV_END && last_end == cut));
    }
    csv_record_free(&rec);
    csv_buf_free(&b);
    free(counts);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_comma_quote_crlf),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_formula_guard),
        cmocka_unit_test(test_hand_written_input),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_reader_big_and_torn),
        cmocka_unit_test(test_reader_clean_end),
        cmocka_unit_test(test_random_round_trips),
    };
    return cmocka_run_group_tests_name("csv codec", tests, NULL, NULL);
}
