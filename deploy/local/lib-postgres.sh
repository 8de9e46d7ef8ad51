# deploy/local/lib-postgres.sh - start a private PostgreSQL 15 for one stage
# run (or one test run). Sourced after deploy/local/lib.sh, by the stage hooks
# in deploy/local/stages/ (03-postgres, 04-cache), by the tests' fixture and
# by bench/run-bench. Never run directly.
#
#   pg_start DIR LOG [DB]   initdb into DIR/pg/data (once; kept between runs),
#                           start postgres on a free 127.0.0.1 port with its
#                           unix socket in DIR/pg, wait until it answers,
#                           create database DB (default santa) if missing.
#                           Sets PG_CONNINFO and appends PG_PORT/PG_PID/
#                           PG_STARTTIME to env_lines (start_server).
#   pg_launch DIR PORT LOG  start an initialised server again on PORT.
#   pg_after_stop DIR       after PG_PID was stopped: makes sure no postmaster
#                           of DIR/pg/data is left (fast shutdown, then
#                           immediate) - for stage_down hooks.
#
# As root the server runs as the unprivileged `postgres` system user (made by
# Debian's postgresql package; PG_USER overrides), which then owns DIR/pg.
# That user must reach the folder through every parent; when it cannot (a
# clone under /root, mode 700), DIR/pg becomes a link to a folder of its own
# under /var/tmp/santa-pg/ (see pg_home), so the same commands work anywhere.
# Authentication is `trust` for the superuser `postgres` on loopback and the
# socket only: a private development server that listens on 127.0.0.1 alone.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_USER,
# PG_FIRST_PORT (default: a random port from 20000), PG_MAX_CONNECTIONS
# (default 300).
# shellcheck shell=bash
: "${root:?lib-postgres.sh needs \$root set by its caller}"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# pg_as: the command prefix that runs something as the server's user:
# nothing when not root, else setpriv to PG_USER. setpriv execs in place (no
# child), so the PID start_server records is the postmaster's own.
pg_as=()
if [ "$(id -u)" -eq 0 ]; then
  pg_as=(setpriv --reuid="${PG_USER:-postgres}" --regid="$(id -g "${PG_USER:-postgres}" 2>/dev/null)"
         --init-groups --)
fi
as_pg() { "${pg_as[@]}" "$@"; }

# pg_ready PORT: true once the server accepts connections (not while it is
# starting, recovering or shutting down).
pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -t 2
}

# PIDs of live (non-zombie) processes working in DATA: a postmaster and its
# backends all chdir there. Backends orphaned by a killed postmaster show up
# here too; PostgreSQL refuses to start while they hold its shared memory.
pg_dir_procs() {
  local data=$1 p
  # One find over /proc, not a readlink per process: a busy machine has thousands.
  for p in $(find /proc/[0-9]*/cwd -maxdepth 0 -lname "$data" 2>/dev/null | cut -d/ -f3); do
    proc_gone "$p" || echo "$p"
  done
}

# After a crash (kill -9, power cut) DATA/postmaster.pid and the socket's
# .s.PGSQL.PORT.lock name a PID that may be dying, a zombie, or by now
# anyone's. Returns 1 when a live postgres serves DATA (not ours to start
# again). Otherwise waits (10 s at most) for the dead server's processes to
# go, SIGKILLs orphaned backends that linger (without their postmaster they
# only hold shared memory; the WAL makes the next start safe), and removes
# the stale lock files PostgreSQL would refuse to overwrite.
pg_clear_stale_pid() {
  local data=$1 pid i
  [ -f "$data/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$data/postmaster.pid")
  if [ -n "$pid" ] && ! proc_gone "$pid" &&
     tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$data"; then
    return 1
  fi
  for ((i = 0; i < 50; i++)); do
    [ -z "$(pg_dir_procs "$data")" ] && [ ! -d "/proc/$pid" ] && break
    sleep 0.2
  done
  local left
  left=$(pg_dir_procs "$data")
  if [ -n "$left" ]; then
    note "killing processes left in $data by a dead PostgreSQL: $(echo $left)"
    # shellcheck disable=SC2086 # one PID per word
    kill -KILL $left 2>/dev/null || true
    sleep 1
  fi
  note "removing the stale lock files of $data (pid ${pid:-?} is gone)"
  rm -f "$data/postmaster.pid" "$(dirname "$data")"/.s.PGSQL.*.lock
}

# pg_home DIR: prints the real folder that holds PostgreSQL's files for DIR
# (its data/ and its socket): DIR/pg itself, or - as root, when the server's
# user cannot search some parent of DIR - the folder DIR/pg links to under
# /var/tmp/santa-pg/, named after DIR so each run folder keeps its own data
# between runs. The server is always given this real path: it could not
# follow the link through the parent it cannot search.
pg_home() {
  local dir=$1 ext
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ] && [ ! -L "$dir/pg" ] && ! as_pg test -x "$dir" 2>/dev/null; then
    ext=/var/tmp/santa-pg/$(realpath "$dir" | sha256sum | cut -c1-16)
    mkdir -p /var/tmp/santa-pg
    chmod 711 /var/tmp/santa-pg
    # The data belongs to the run folder: a folder made anew (rm -rf
    # build/run/..., a test's fresh start) has no link yet, and must not
    # find the data of the folder that was deleted under the same name.
    if [ ! -e "$dir/pg" ] && [ -d "$ext" ] && [ -z "$(pg_dir_procs "$ext/data")" ]; then
      rm -rf "$ext"
    fi
    if [ -d "$dir/pg" ] && [ ! -e "$ext" ]; then
      mv "$dir/pg" "$ext" # an earlier run's data, kept
    elif [ -d "$dir/pg" ]; then
      mv "$dir/pg" "$dir/pg.unreachable.$$"
      note "$dir/pg was not reachable by ${PG_USER:-postgres}: kept as $dir/pg.unreachable.$$"
    fi
    mkdir -p "$ext"
    ln -sfn "$ext" "$dir/pg"
  fi
  readlink -f "$dir/pg"
}

pg_initdb() {
  local dir=$1 log=$2 home
  if [ ! -x "$PG_BIN/initdb" ]; then
    note "$PG_BIN/initdb is missing: install the postgresql package (deploy/install-deps)"
    return 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    id -u "${PG_USER:-postgres}" >/dev/null 2>&1 ||
      { note "no user ${PG_USER:-postgres} to run PostgreSQL as (postgresql package?)"; return 1; }
  fi
  home=$(pg_home "$dir")
  mkdir -p "$home"
  if [ "$(id -u)" -eq 0 ]; then
    chown "${PG_USER:-postgres}:" "$home"
    if ! as_pg test -w "$home"; then
      note "user ${PG_USER:-postgres} cannot write $home"
      return 1
    fi
  fi
  chmod 700 "$home"
  [ -f "$home/data/PG_VERSION" ] && return 0
  rm -rf "$home/data"
  note "initdb into $home/data"
  as_pg "$PG_BIN/initdb" -D "$home/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=trust >>"$log" 2>&1 ||
    { note "initdb failed; see $log"; return 1; }
}

# pg_launch DIR PORT LOG: starts the postmaster of DIR/pg/data on PORT and
# waits until it answers (start_server: PG_PORT/PG_PID/PG_STARTTIME). Also
# what a test uses to start a stopped server again on the same port.
pg_launch() {
  local dir=$1 port=$2 log=$3 home
  home=$(pg_home "$dir")
  start_server PG "$port" "$log" pg_ready 60 -- \
    "${pg_as[@]}" "$PG_BIN/postgres" -D "$home/data" -p "$port" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$home" \
    -c max_connections="${PG_MAX_CONNECTIONS:-300}" -c logging_collector=off \
    -c log_min_messages=warning -c log_connections=off
}

pg_start() {
  local dir=$1 log=$2 db=${3:-santa} port next attempt home
  pg_initdb "$dir" "$log" || return 1
  home=$(pg_home "$dir")
  pg_clear_stale_pid "$home/data" ||
    { note "a PostgreSQL still serves $home/data: stop it first"; return 1; }
  touch "$log"
  # From PG_FIRST_PORT upward when set (deploy/local: a port people can
  # remember), else from a random port in 20000-31999: test runs of several
  # build trees and several people start servers at the same moment, and
  # probing the same sequence they would pick the same port. Below Linux's
  # ephemeral range (32768-60999), where a port nobody listens on may still
  # be the local end of some client's connection, and bind() then fails.
  next=${PG_FIRST_PORT:-$((20000 + RANDOM % 12000))}
  # Between the free-port probe and the bind another program may take the
  # port: postgres then exits at once, and we try another one.
  for attempt in 1 2 3 4 5 6; do
    port=$(free_port "$next") || { note "no free port from $next"; return 1; }
    if pg_launch "$dir" "$port" "$log"; then
      break
    fi
    pg_clear_stale_pid "$home/data" || true
    [ "$attempt" -lt 6 ] || { note "PostgreSQL did not start; see $log"; return 1; }
    note "PostgreSQL did not start on port $port (taken meanwhile?); trying another port"
    if [ -n "${PG_FIRST_PORT:-}" ]; then
      next=$((port + 1))
    else
      next=$((20000 + RANDOM % 12000))
    fi
  done
  PG_CONNINFO="host=127.0.0.1 port=$port user=postgres dbname=$db"
  # psql interpolates :'db' (quoted as a literal) only in input it reads.
  if [ -z "$("$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAq -v db="$db" \
          <<<"SELECT 1 FROM pg_database WHERE datname = :'db'" 2>>"$log")" ]; then
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" 2>>"$log" ||
      { note "cannot create database $db; see $log"; return 1; }
  fi
}

# pg_ctl's fast shutdown of whatever still runs on DIR/pg/data; immediate if
# that does not finish in 10 s (crash recovery at the next start is safe).
pg_after_stop() {
  local data
  data=$(pg_home "$1")/data
  [ -f "$data/postmaster.pid" ] || return 0
  pg_clear_stale_pid "$data" && return 0
  as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -t 10 -w stop >/dev/null 2>&1 ||
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -t 10 -w stop >/dev/null 2>&1
}
