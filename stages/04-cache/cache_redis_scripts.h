/*
 * cache_redis_scripts.h - the Lua scripts of the cache (cache_redis.c runs
 * them with EVAL; what each does is said beside its text).
 */
#ifndef SANTA_CACHE_REDIS_SCRIPTS_H
#define SANTA_CACHE_REDIS_SCRIPTS_H

extern const char cache_redis_fill_script[];
extern const char cache_redis_invalidate_script[];
extern const char cache_redis_get_ref_script[];
extern const char cache_redis_get_principal_script[];
extern const char cache_redis_flush_script[];

#endif /* SANTA_CACHE_REDIS_SCRIPTS_H */
