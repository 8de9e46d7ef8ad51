# deploy/local/stages/04-cache.sh - stage 04's servers, sourced by
# deploy/local/up and down: stage 03's PostgreSQL (deploy/local/lib-postgres.sh,
# under build/run/04-cache/pg, database `santa`, schema applied), then a Redis
# of its own (deploy/local/lib-redis.sh, with a password); santa gets --pg,
# and SANTA_REDIS=":PASSWORD@127.0.0.1:PORT" in its environment (not on its
# command line, where `ps` would show the password). A Redis
# that dies later is not fatal to santa (it fails open to PostgreSQL), but
# `up` insists that both answer at start.
# shellcheck shell=bash
# shellcheck source=deploy/local/lib-postgres.sh
. "$root/deploy/local/lib-postgres.sh"
# shellcheck source=deploy/local/lib-redis.sh
. "$root/deploy/local/lib-redis.sh"

stage_up() {
  PG_FIRST_PORT=${PG_FIRST_PORT:-54340} pg_start "$run" "$run/postgres.log" santa || return 1
  "$binary" --migrate --pg "$PG_CONNINFO" >>"$log" 2>&1 ||
    { note "santa --migrate failed; see $log"; return 1; }
  REDIS_FIRST_PORT=${REDIS_FIRST_PORT:-6380} redis_start "$run" || return 1
  santa_args+=(--pg "$PG_CONNINFO")
  # The password in the environment, not argv (ps shows argv to every user);
  # the workers read the reminder stream from the same Redis (SANTA_REDIS),
  # and a batch's participants from the same PostgreSQL (--pg).
  export SANTA_REDIS=":$redis_password@127.0.0.1:$redis_port"
  worker_args=(--pg "$PG_CONNINFO")
  santa_data_args=() # the data lives in PostgreSQL
}

stage_down() {
  pg_after_stop "$run"
}
