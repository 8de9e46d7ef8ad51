/*
 * arena.h - a bounded bump allocator that owns everything one request reads.
 *
 * Store operations copy the strings they return into an arena the caller
 * owns, so a handler frees a whole request's worth of results with one call
 * and no store ever hands out memory the caller must free piece by piece.
 *
 * An arena has a ceiling: allocation beyond it fails (NULL) instead of letting
 * one request eat the heap. Not thread-safe: an arena belongs to one request.
 */
#ifndef SANTA_ARENA_H
#define SANTA_ARENA_H

#include <stddef.h>

struct santa_arena_chunk;

struct santa_arena {
    struct santa_arena_chunk *head; /* newest chunk first */
    size_t used;                    /* bytes handed out, for the ceiling */
    size_t limit;                   /* ceiling in bytes */
};

/* Caller-owned struct; starts empty, allocates nothing until first use. */
void santa_arena_init(struct santa_arena *a, size_t limit);
/* Frees every chunk. The arena may be used again afterwards. */
void santa_arena_release(struct santa_arena *a);

/* n bytes aligned for any type, or NULL past the ceiling / out of memory.
 * The memory lives until santa_arena_release(). */
void *santa_arena_alloc(struct santa_arena *a, size_t n);
/* Copies s (NUL-terminated) into the arena; NULL in, NULL out. */
char *santa_arena_strdup(struct santa_arena *a, const char *s);
/* Copies n bytes of s and terminates them. */
char *santa_arena_strndup(struct santa_arena *a, const char *s, size_t n);

#endif /* SANTA_ARENA_H */
