# deploy/local/stages/05-distributed.sh - stage 05's servers, sourced by
# deploy/local/up and down: stage 04's PostgreSQL and Redis (one each, shared
# by every replica), N replicas of santa-05-distributed on free loopback
# ports, each with an admin port of its own, and HAProxy 2.6 in front
# (deploy/haproxy/santa.cfg plus one server line per replica). The URL up
# prints is HAProxy's; the env file adds HAPROXY_PORT, HAPROXY_STATS_PORT,
# HAPROXY_PID and REPLICA<i>_PORT, REPLICA<i>_ADMIN_PORT, REPLICA<i>_PID.
#
# --replicas N (default 3, 1 to 8) and --replica-cpu F (as root: each replica
# in its own CPU cgroup limited to F cores, so replicas behave like separate
# small machines on one box; cgroup v1 cpu.cfs_quota_us, v2 cpu.max).
#
# The PostgreSQL connection budget: each replica opens at most one
# connection per worker thread, so N x REPLICA_THREADS, plus one per
# reminder worker thread (SANTA_WORKERS x SANTA_WORKER_THREADS: they list a
# batch's participants), must stay below PostgreSQL's max_connections (300
# here, lib-postgres.sh) minus its 3 reserved superuser slots and room for
# psql and --migrate: 8 x 32 = 256.
# shellcheck shell=bash
# shellcheck source=deploy/local/lib-postgres.sh
. "$root/deploy/local/lib-postgres.sh"
# shellcheck source=deploy/local/lib-redis.sh
. "$root/deploy/local/lib-redis.sh"

# The server whose PID and URL say "this stage runs" (up's stale-run check).
main_server=HAPROXY
# Worker threads per replica, and HAProxy's per-replica maxconn below them:
# 8 threads for HAProxy's idle kept-alive connections (pool-max-conn) and two
# for health checks and a straggler connection stay free.
REPLICA_THREADS=${REPLICA_THREADS:-32}
PG_BUDGET=${PG_MAX_CONNECTIONS:-300}
# The cross-replica freshness bound: a replica that loses an invalidation
# (Redis unreachable from it alone) makes Redis flush at its next cache
# access, but another replica may serve the old value until the entry's TTL
# runs out. Stage 04 runs alone and keeps 60 s; here the TTL is the bound.
REPLICA_CACHE_TTL_MS=${REPLICA_CACHE_TTL_MS:-5000}
# --request-timeout-ms 60000 for the replicas: it is also CivetWeb's
# keep-alive timeout, which must outlast HAProxy's idle connections (they are
# purged within seconds, pool-purge-delay) so a replica never closes one as
# HAProxy sends on it. Slow clients are cut at the edge (timeout http-request).

stage_up() {
  local senders=$((${SANTA_WORKERS:-2} * ${SANTA_WORKER_THREADS:-1}))
  if ((replicas * REPLICA_THREADS + senders > PG_BUDGET - 13)); then
    note "$replicas replicas x $REPLICA_THREADS threads and $senders reminder worker threads need more PostgreSQL connections than max_connections $PG_BUDGET allows (minus 3 reserved, 10 spare)"
    return 1
  fi
  PG_MAX_CONNECTIONS=$PG_BUDGET PG_FIRST_PORT=${PG_FIRST_PORT:-54360} \
    pg_start "$run" "$run/postgres.log" santa || return 1
  # Once per deployment, before any replica: replicas started together
  # would otherwise race to apply the same migration.
  "$binary" --migrate --pg "$PG_CONNINFO" >>"$log" 2>&1 ||
    { note "santa --migrate failed; see $log"; return 1; }
  REDIS_FIRST_PORT=${REDIS_FIRST_PORT:-6390} redis_start "$run" || return 1
  # Through the environment, not argv (ps shows argv to every user): the
  # Redis password, and the one cache key every replica shares.
  export SANTA_REDIS=":$redis_password@127.0.0.1:$redis_port"
  cache_key_for "$run" || return 1
  export SANTA_CACHE_KEY_FILE=$cache_key_file
  santa_data_args=()                  # the data lives in PostgreSQL
  stage_worker=santa-worker-04-cache  # replicas and workers share stage 04's stream
  worker_args=(--pg "$PG_CONNINFO")   # where a worker lists a batch's participants
}

# cgroup_for NAME CORES: creates a CPU cgroup NAME limited to CORES cores and
# prints its directory (v1 cpu controller or v2 unified hierarchy).
cgroup_for() {
  local name=$1 cores=$2 quota dir
  quota=$(awk -v f="$cores" 'BEGIN { printf "%d", f * 100000 }')
  if [ -d /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    dir=/sys/fs/cgroup/cpu/$name
    mkdir -p "$dir" && echo 100000 >"$dir/cpu.cfs_period_us" &&
      echo "$quota" >"$dir/cpu.cfs_quota_us" || return 1
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    dir=/sys/fs/cgroup/$name
    mkdir -p "$dir" && echo "$quota 100000" >"$dir/cpu.max" || return 1
  else
    note "no CPU cgroup controller found under /sys/fs/cgroup"
    return 1
  fi
  echo "$dir" >>"$run/cgroups"
  echo "$dir"
}

# start_replica I PORT ADMIN_PORT: one replica, in its cgroup when capped.
start_replica() {
  local i=$1 port=$2 admin=$3 wrap=() cg
  if [ -n "$replica_cpu" ]; then
    cg=$(cgroup_for "santa-$(basename "$run")-$$-r$i" "$replica_cpu") || return 1
    # The shell joins the cgroup, then becomes the replica (same PID), so
    # every thread it ever starts is inside the quota.
    wrap=(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg")
  fi
  start_server "REPLICA$i" "$port" "$run/replica$i.log" "http://127.0.0.1:$port/readyz" 30 -- \
    "${wrap[@]}" "$binary" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
    --replica-name "r$i" --threads "$REPLICA_THREADS" --pg "$PG_CONNINFO" \
    --cache-ttl-ms "$REPLICA_CACHE_TTL_MS" \
    --request-timeout-ms 60000 "${santa_args[@]}"
}

# free_port_from N: a free port from N upward, none of those already taken
# by this run (start_server binds them only later).
taken_ports=()
free_port_from() {
  local p=$1 t
  while :; do
    p=$(free_port "$p") || return 1
    for t in "${taken_ports[@]}"; do [ "$t" = "$p" ] && { p=$((p + 1)); continue 2; }; done
    taken_ports+=("$p")
    echo "$p"
    return 0
  done
}

# stage_serve: the replicas, then HAProxy; sets serve_url.
stage_serve() {
  local i port admin hport sport next=${SANTA_FIRST_PORT:-8080} cfg="$run/haproxy.cfg"
  : >"$run/cgroups"
  {
    cat "$root/deploy/haproxy/santa.cfg"
    echo "    # --- written by deploy/local/up at $(date -Is): $replicas replicas"
  } >"$cfg.tmp"
  for ((i = 1; i <= replicas; i++)); do
    port=$(free_port_from "$next") && admin=$(free_port_from "$((port + 1))") ||
      { note "no free ports from $next"; return 1; }
    next=$((admin + 1))
    start_replica "$i" "$port" "$admin" ||
      { note "replica r$i did not start; see $run/replica$i.log"; return 1; }
    env_lines+=("REPLICA${i}_ADMIN_PORT=$admin")
    echo "    server r$i 127.0.0.1:$port" >>"$cfg.tmp"
  done
  mv -f "$cfg.tmp" "$cfg"
  hport=$(free_port_from "$next") && sport=$(free_port_from "$((hport + 1))") ||
    { note "no free ports for HAProxy from $next"; return 1; }
  haproxy_env=(HAPROXY_PORT="$hport" HAPROXY_STATS_PORT="$sport" HAPROXY_RUN="$run"
    HAPROXY_RATE_LIMIT="${HAPROXY_RATE_LIMIT:-100000}"
    HAPROXY_RATE_EXEMPT="${HAPROXY_RATE_EXEMPT:-127.0.0.0/8}"
    HAPROXY_MAXCONN="$((REPLICA_THREADS - 10))")
  env "${haproxy_env[@]}" haproxy -c -q -f "$cfg" >>"$run/haproxy.log" 2>&1 ||
    { note "haproxy -c refused $cfg; see $run/haproxy.log"; return 1; }
  # Keep what a reload needs: the same environment (HAProxy re-reads the
  # file with the variables of the master's environment).
  printf '%s\n' "${haproxy_env[@]}" >"$run/haproxy.env"
  start_server HAPROXY "$hport" "$run/haproxy.log" "http://127.0.0.1:$hport/healthz" 15 -- \
    env "${haproxy_env[@]}" haproxy -W -f "$cfg" || return 1
  env_lines+=("HAPROXY_STATS_PORT=$sport")
  serve_url="http://127.0.0.1:$hport"
  note "stats page: http://127.0.0.1:$sport/stats (HAProxy's metrics: /metrics there)"
}

stage_down() {
  local dir rc=0
  pg_after_stop "$run" || rc=1
  if [ -f "$run/cgroups" ]; then
    while read -r dir; do
      [ -d "$dir" ] && ! rmdir "$dir" 2>/dev/null && { note "cannot remove cgroup $dir"; rc=1; }
    done <"$run/cgroups"
    rm -f "$run/cgroups"
  fi
  return "$rc"
}
