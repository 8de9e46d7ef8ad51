# deploy/local/lib-redis.sh - start, wait for and stop a Redis of our own.
# Sourced by stage hooks (deploy/local/stages/04-cache.sh) after lib.sh; it
# uses lib.sh's free_port and start_server, so the Redis it starts lands in
# the env file as REDIS_PID/REDIS_PORT and `down` stops it like any server.
#
# The Redis is a cache, never a store: its config (written into the run
# folder, so it is there to read) turns persistence off (save "", appendonly
# no), binds 127.0.0.1 only, and keeps it in the foreground (daemonize no)
# so start_server knows its PID. As root it runs as the `redis` user that
# Debian's redis-server package creates.
#
# It asks for a password (requirepass): a random one kept in RUNDIR/redis.pass
# (mode 600; a restart reuses it), in $redis_password for the caller, who
# hands it to santa through SANTA_REDIS=":PASSWORD@127.0.0.1:PORT" (the
# environment, not the command line, which `ps` shows to everyone).
# redis-cli finds it in REDISCLI_AUTH: export REDISCLI_AUTH=$(cat RUNDIR/redis.pass).
# shellcheck shell=bash
: "${root:?deploy/local/lib-redis.sh needs \$root set by its caller}"

# redis_ready PORT: true when a Redis on 127.0.0.1:PORT answers PING. Plain
# bash /dev/tcp, so no redis-cli is needed to start one.
# It authenticates first with $redis_password.
redis_ready() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'AUTH %s\r\nPING\r\n' "$redis_password" >&3
  IFS= read -r -t 2 line <&3 || { exec 3>&-; return 1; }
  [[ $line == +OK* ]] || { exec 3>&-; return 1; }
  IFS= read -r -t 2 line <&3 || { exec 3>&-; return 1; }
  exec 3>&-
  [[ $line == +PONG* ]]
}

# redis_password_for RUNDIR: sets redis_password from RUNDIR/redis.pass,
# creating it (32 random hex characters, mode 600) the first time.
redis_password_for() {
  local file="$1/redis.pass"
  if [ ! -s "$file" ]; then
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$file") || return 1
  fi
  redis_password=$(cat "$file")
  [ "${#redis_password}" -ge 32 ]
}

# cache_key_for RUNDIR: sets cache_key_file to RUNDIR/cache.key, creating it
# (64 random hex digits, mode 600) the first time: the key that seals cached
# values (stages/04-cache/cache_seal.h). Every process on one Redis - stage
# 05's replicas - gets the same file, so each accepts the others' entries.
cache_key_for() {
  cache_key_file="$1/cache.key"
  if [ ! -s "$cache_key_file" ]; then
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$cache_key_file") || return 1
  fi
}

# redis_write_conf FILE PORT DIR: the config holds the password, so only
# its owner reads it (made the redis user's by the caller when it runs Redis).
redis_write_conf() {
  (umask 077 && : >"$1") && chmod 600 "$1"
  cat >"$1" <<CONF
# written by deploy/local (lib-redis.sh): stage 04's cache, nothing persisted
bind 127.0.0.1
port $2
protected-mode yes
daemonize no
save ""
appendonly no
dir $3
logfile ""
# A cache that fills up evicts the least recently used keys that have a TTL (every
# cached value) instead of failing writes; santa:epoch, which has none, is never evicted.
maxmemory 256mb
maxmemory-policy volatile-lru
# Anyone who can write to the cache could otherwise plant entries (santa also
# checks a MAC on each one) or read ids and hashes.
requirepass $redis_password
CONF
}

# redis_start RUNDIR: starts Redis on the first free port from 6380 (or
# $REDIS_FIRST_PORT) up, or on $SANTA_REDIS_PORT,
# and sets redis_port. Returns 1 when it does not answer.
redis_start() {
  local run=$1 conf dir attempt port next=${REDIS_FIRST_PORT:-6380} as_user=()
  command -v redis-server >/dev/null || { note "redis-server is missing: run deploy/install-deps"; return 1; }
  dir="$run/redis"
  conf="$run/redis.conf"
  mkdir -p "$dir"
  redis_password_for "$run" || { note "cannot make a Redis password in $run"; return 1; }
  if [ "$(id -u)" -eq 0 ] && id redis >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    # Root is not needed to serve a cache; the redis user may not be able to
    # reach the run folder, so its dir is checked before relying on it.
    chown redis: "$dir" 2>/dev/null || true
    if setpriv --reuid=redis --regid=redis --init-groups test -w "$dir" -a -r "$run" 2>/dev/null; then
      as_user=(setpriv --reuid=redis --regid=redis --init-groups)
    fi
  fi
  for attempt in 1 2 3 4 5; do
    if [ -n "${SANTA_REDIS_PORT:-}" ]; then
      port=$SANTA_REDIS_PORT
    else
      port=$(free_port "$next") || { note "no free port for Redis from $next"; return 1; }
    fi
    redis_write_conf "$conf" "$port" "$dir"
    [ ${#as_user[@]} -eq 0 ] || chown redis: "$conf"
    if start_server REDIS "$port" "$run/redis.log" redis_ready 15 -- \
         "${as_user[@]}" redis-server "$conf"; then
      redis_port=$port
      return 0
    fi
    [ -z "${SANTA_REDIS_PORT:-}" ] && port_in_use "$port" || break
    note "port $port was taken while Redis started; trying the next one"
    next=$((port + 1))
  done
  note "Redis did not start; see $run/redis.log"
  return 1
}
