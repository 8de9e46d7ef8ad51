/*
 * alloc.h - every heap allocation of santa-stack goes through these wrappers.
 *
 * They exist so tests can count allocations or make the N-th one fail
 * (santa_alloc_set_hooks) and prove that out-of-memory becomes a clean 503,
 * never a crash. The hooks are the one documented piece of process-global
 * mutable state in libsanta: set them before any thread starts, never after.
 */
#ifndef SANTA_ALLOC_H
#define SANTA_ALLOC_H

#include <stddef.h>

struct santa_alloc_hooks {
    void *(*malloc_fn)(size_t n);
    void *(*calloc_fn)(size_t count, size_t n);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
};

/* Installs hooks (NULL restores libc). Not thread-safe: call at start-up. */
void santa_alloc_set_hooks(const struct santa_alloc_hooks *hooks);

void *santa_malloc(size_t n);
void *santa_calloc(size_t count, size_t n);
void *santa_realloc(void *p, size_t n);
void santa_free(void *p);
char *santa_strdup(const char *s);

#endif /* SANTA_ALLOC_H */
