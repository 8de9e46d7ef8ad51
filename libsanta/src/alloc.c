/*
 * alloc.c - allocation wrappers with test hooks (see alloc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "santa/alloc.h"

/* The documented global: replaced only at start-up, before threads exist. */
static struct santa_alloc_hooks hooks = {malloc, calloc, realloc, free};

void santa_alloc_set_hooks(const struct santa_alloc_hooks *h)
{
    if (h == NULL) {
        hooks = (struct santa_alloc_hooks){malloc, calloc, realloc, free};
        return;
    }
    hooks = *h;
}

void *santa_malloc(size_t n)
{
    return hooks.malloc_fn(n);
}

void *santa_calloc(size_t count, size_t n)
{
    return hooks.calloc_fn(count, n);
}

void *santa_realloc(void *p, size_t n)
{
    return hooks.realloc_fn(p, n);
}

void santa_free(void *p)
{
    hooks.free_fn(p);
}

char *santa_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = santa_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
