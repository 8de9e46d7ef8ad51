# deploy/local/stages/04-cache.sh - the servers of stage 04, sourced by
# deploy/local/up and down: the database, then Redis; santa is told where
# they are. A Redis that dies later is not fatal to santa (it fails open to
# the database), but `up` insists that it answers at start.
# shellcheck shell=bash
# shellcheck source=deploy/local/lib-redis.sh
. "$root/deploy/local/lib-redis.sh"

stage_up() {
  local run
  run=$(run_dir 04-cache)
  redis_start "$run" || return 1
  santa_args+=(--redis "127.0.0.1:$redis_port")
}
