/*
 * arena.c - bounded bump allocator (see arena.h).
 *
 * Chunks grow geometrically from 4 KiB so a small request costs one malloc,
 * and a chunk never holds less than the largest single allocation asked of it.
 */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "santa/alloc.h"
#include "santa/arena.h"

struct santa_arena_chunk {
    struct santa_arena_chunk *next;
    size_t size; /* usable bytes in data */
    size_t off;  /* next free byte */
    alignas(max_align_t) unsigned char data[];
};

#define CHUNK_MIN 4096u

void santa_arena_init(struct santa_arena *a, size_t limit)
{
    a->head = NULL;
    a->used = 0;
    a->limit = limit;
}

void santa_arena_release(struct santa_arena *a)
{
    struct santa_arena_chunk *c = a->head;
    while (c) {
        struct santa_arena_chunk *next = c->next;
        santa_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *santa_arena_alloc(struct santa_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    size_t need = (n + align - 1) & ~(align - 1);
    if (need < n || need > a->limit - a->used || a->used > a->limit)
        return NULL;
    struct santa_arena_chunk *c = a->head;
    if (c == NULL || c->size - c->off < need) {
        size_t size = c ? c->size * 2 : CHUNK_MIN;
        if (size < need)
            size = need;
        if (size > SIZE_MAX - sizeof *c)
            return NULL;
        struct santa_arena_chunk *nc = santa_malloc(sizeof *nc + size);
        if (nc == NULL)
            return NULL;
        nc->next = c;
        nc->size = size;
        nc->off = 0;
        a->head = c = nc;
    }
    void *p = c->data + c->off;
    c->off += need;
    a->used += need;
    return p;
}

char *santa_arena_strndup(struct santa_arena *a, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *d = santa_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *santa_arena_strdup(struct santa_arena *a, const char *s)
{
    return s ? santa_arena_strndup(a, s, strlen(s)) : NULL;
}
