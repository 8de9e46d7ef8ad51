/*
 * cache_redis_scripts.c - the Lua scripts cache_redis.c runs in Redis
 * (cache_redis_scripts.h): each is one atomic step on the Redis side.
 */
#include "cache_redis_scripts.h"

/* Stores a value only if neither the generation nor the epoch moved since
 * the reader's ticket; sets a hash's TTL on its first field only (NX), so
 * refilling fields never keeps an old hash alive. */
const char cache_redis_fill_script[] =
    "local g = redis.call('GET', KEYS[1]) or ''\n"
    "local e = redis.call('GET', KEYS[2]) or ''\n"
    "if g ~= ARGV[1] or e == '' or e ~= ARGV[2] then return 0 end\n"
    "if ARGV[3] == '' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])\n"
    "else redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])\n"
    "  redis.call('PEXPIRE', KEYS[3], ARGV[5], 'NX') end\n"
    "return 1\n";

/* KEYS[1] the generation, KEYS[2] the epoch, KEYS[3..] the data keys.
 * ARGV[2] empty: delete the keys; otherwise delete that field of each.
 * Returns the new generation and the epoch: a ticket taken after the bump,
 * for a write-through fill of what the writer reads back afterwards. */
const char cache_redis_invalidate_script[] =
    "redis.call('INCR', KEYS[1])\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
    "for i = 3, #KEYS do\n"
    "  if ARGV[2] == '' then redis.call('DEL', KEYS[i])\n"
    "  else redis.call('HDEL', KEYS[i], ARGV[2]) end\n"
    "end\n"
    "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) or false}\n";

/* The reveal's lookup: a field, then the field its JSON member ARGV[2]
 * names (prefixed by ARGV[3]) in the same hash, plus the generation and the
 * epoch for the ticket. Lua false becomes a nil reply (nil would cut the
 * table short). A value that is not JSON yields no second field: a miss. */
const char cache_redis_get_ref_script[] =
    "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "local w = false\n"
    "if v then\n"
    "  local ok, d = pcall(cjson.decode, v)\n"
    "  if ok and type(d) == 'table' and type(d[ARGV[2]]) == 'string' then\n"
    "    w = redis.call('HGET', KEYS[1], ARGV[3] .. d[ARGV[2]])\n"
    "  end\n"
    "end\n"
    "return {v, w, redis.call('GET', KEYS[2]) or false, redis.call('GET', KEYS[3]) or false}\n";

/* The principal and, when it names a participant, that participant's
 * reveal lookup (cache_redis_get_ref_script's) in the same call. ARGV: the exchange
 * hash's key prefix, its generation's, the assignment field's prefix, the
 * reference member, the referenced field's prefix. The keys it builds are
 * in the same (single) Redis: fine outside Redis Cluster. */
const char cache_redis_get_principal_script[] =
    "local p = redis.call('GET', KEYS[1])\n"
    "local v, w, xg, x, q = false, false, false, false, false\n"
    "if p then\n"
    "  local ok, d = pcall(cjson.decode, p)\n"
    "  if ok and type(d) == 'table' and d.r == 'participant' and type(d.x) == 'string'\n"
    "     and type(d.p) == 'string' then\n"
    "    x, q = d.x, d.p\n"
    "    v = redis.call('HGET', ARGV[1] .. x, ARGV[3] .. q)\n"
    "    xg = redis.call('GET', ARGV[2] .. x) or false\n"
    "    if v then\n"
    "      local ok2, e = pcall(cjson.decode, v)\n"
    "      if ok2 and type(e) == 'table' and type(e[ARGV[4]]) == 'string' then\n"
    "        w = redis.call('HGET', ARGV[1] .. x, ARGV[5] .. e[ARGV[4]])\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {p, redis.call('GET', KEYS[2]) or false, redis.call('GET', KEYS[3]) or false,\n"
    "        x, q, v, w, xg}\n";

const char cache_redis_flush_script[] = "redis.call('FLUSHDB')\n"
                                        "redis.call('SET', KEYS[1], ARGV[1])\n"
                                        "return 1\n";
