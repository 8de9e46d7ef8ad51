# deploy/local/lib.sh - shared by deploy/local/up, deploy/local/down and the
# stage hooks in deploy/local/stages/. Sourced, never run: no shebang, and it
# expects $root (the repository root) and `set -euo pipefail` from its caller.
# shellcheck shell=bash
: "${root:?deploy/local/lib.sh needs \$root set by its caller}"

# Messages go to stderr, so stdout of `up` is exactly one line: the URL.
note() { echo "${0##*/}: $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

# A stage name is a directory under stages/ ("01-csv"); refusing anything else
# keeps a typo or a "../" from pointing run_dir somewhere unexpected.
check_stage() {
  case "$1" in
    [0-9][0-9]-*) ;;
    *) die "'$1' is not a stage name (like 01-csv)" ;;
  esac
  case "$1" in
    */*|*..*) die "'$1' is not a stage name (like 01-csv)" ;;
  esac
  if [ ! -d "$root/stages/$1" ]; then
    local d known=
    for d in "$root"/stages/[0-9]*/; do known+=" $(basename "$d")"; done
    die "no stage '$1' (stages:$known)"
  fi
}

# SANTA_RUN_ROOT moves every stage's run folder (tests keep theirs apart
# from a workshop's build/run).
run_dir() { echo "${SANTA_RUN_ROOT:-$root/build/run}/$1"; }

valid_port() {
  case "$1" in ''|*[!0-9]*) return 1 ;; esac
  [ "$1" -ge 1 ] && [ "$1" -le 65535 ]
}

# True when something accepts connections on 127.0.0.1:PORT. bash's /dev/tcp
# needs no extra tool; a closed loopback port refuses at once.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The first port from $1 upward that nothing listens on.
free_port() {
  local p
  for ((p = $1; p <= $1 + 200 && p <= 65535; p++)); do
    if ! port_in_use "$p"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# env_get KEY FILE: the value of KEY=value in an env file, without sourcing it
# (down must not run whatever a damaged or foreign file contains).
env_get() {
  sed -n "s/^$1=//p" "$2" | tail -n 1
}

# The kernel's start time of PID (field 22 of /proc/PID/stat, in clock ticks
# since boot). PID plus start time names one process for the life of the
# machine: a recycled PID has a different start time. The command name in
# field 2 may hold spaces and parentheses, so cut after the last ')'.
proc_starttime() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  # shellcheck disable=SC2086 # word splitting into fields is the point
  set -- $rest
  # $1 is field 3 (state), so field 22 is ${20}.
  echo "${20}"
}

# is_ours ENVFILE NAME PID: PID still is the process `up` started as NAME.
# With NAME_STARTTIME recorded (start_server always records it) the start time
# must match; an env file without it falls back to the command line, which
# names this stage's run directory for every server up starts.
is_ours() {
  local envfile=$1 name=$2 pid=$3 want have
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  [ -d "/proc/$pid" ] || return 1
  # A zombie (killed, not yet reaped) is no longer a server to stop or reuse.
  proc_gone "$pid" && return 1
  want=$(env_get "${name}_STARTTIME" "$envfile")
  if [ -n "$want" ]; then
    have=$(proc_starttime "$pid") || return 1
    [ "$have" = "$want" ]
  else
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(dirname "$envfile")/"
  fi
}

# Is the process gone? A zombie counts as gone: it no longer serves anything.
proc_gone() {
  local st
  [ -d "/proc/$1" ] || return 0
  st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 0
  [ "$st" = Z ]
}

# stop_one ENVFILE NAME PID: SIGTERM, up to 10 s for a graceful exit (santa
# finishes the requests in flight), then SIGKILL. Returns 1 only when the
# process is ours and still alive after all that (e.g. another user's process).
stop_one() {
  local envfile=$1 name=$2 pid=$3 i
  if ! is_ours "$envfile" "$name" "$pid"; then
    note "$name (pid $pid) is not running (or the pid now belongs to another process): nothing to stop"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || { note "cannot signal $name (pid $pid): $(id -un) does not own it?"; return 1; }
  for ((i = 0; i < 100; i++)); do
    proc_gone "$pid" && { note "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  note "$name (pid $pid) did not stop within 10 s of SIGTERM: sending SIGKILL"
  # Re-check identity: in 10 s the process may have exited and the pid been reused.
  if is_ours "$envfile" "$name" "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < 50; i++)); do
    proc_gone "$pid" && return 0
    sleep 0.1
  done
  note "$name (pid $pid) is still alive after SIGKILL"
  return 1
}

# all_alive ENVFILE: every NAME_PID server listed is still the process up
# started. A run whose database or cache died is stale even while santa
# answers (stage 04's santa keeps answering without Redis: it fails open).
all_alive() {
  local envfile=$1 name
  while read -r name; do
    is_ours "$envfile" "$name" "$(env_get "${name}_PID" "$envfile")" || return 1
  done < <(sed -n 's/^\([A-Z][A-Z0-9_]*\)_PID=[0-9][0-9]*$/\1/p' "$envfile")
}

# stop_all ENVFILE: stop every NAME_PID server listed, newest first, so santa
# (which uses the others) stops before the database or cache it talks to.
stop_all() {
  local envfile=$1 names=() name pid i rc=0
  mapfile -t names < <(sed -n 's/^\([A-Z][A-Z0-9_]*\)_PID=[0-9][0-9]*$/\1/p' "$envfile")
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do
    name=${names[i]}
    pid=$(env_get "${name}_PID" "$envfile")
    stop_one "$envfile" "$name" "$pid" || rc=1
  done
  if declare -F stage_down >/dev/null; then
    stage_down || rc=1
  fi
  return "$rc"
}

# listener_ours PORT PID: false when what listens on 127.0.0.1:PORT is
# neither PID nor a child of it (HAProxy -W: the worker listens). Between
# free_port's probe and the server's bind, another run starting a server at
# the same moment may take the port: ours then exits on EADDRINUSE, but the
# readiness probe may reach the other one first, and the stage would talk to
# a stranger's database. True when ss(8) (iproute2) cannot tell.
listener_ours() {
  local out p ppid rest
  command -v ss >/dev/null 2>&1 || return 0
  out=$(ss -Hltnp "sport = :$1" 2>/dev/null) || return 0
  [ -n "$out" ] || return 1
  [[ $out == *pid=* ]] || return 0 # another user's process: ss may not say whose
  for p in $(grep -o 'pid=[0-9]*' <<<"$out" | cut -d= -f2); do
    [ "$p" = "$2" ] && return 0
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    ppid=$(cut -d' ' -f2 <<<"$rest")
    [ "$ppid" = "$2" ] && return 0
  done
  return 1
}

# start_server NAME PORT LOG READY TIMEOUT -- COMMAND...
# Starts COMMAND in its own session (setsid: Ctrl-C in the terminal that ran
# `up`, or that terminal closing, must not stop it), stdin from /dev/null,
# output appended to LOG, fd 9 (up's lock) closed. Waits until READY succeeds:
# an http:// URL that curl must fetch, or a command run with the port as its
# argument. On success appends NAME_PORT, NAME_PID and NAME_STARTTIME to
# env_lines; on failure stops what it started and returns 1.
start_server() {
  local name=$1 port=$2 log=$3 ready=$4 timeout=$5 pid start i ok=0 rc stranger=0
  shift 5
  [ "$1" = -- ] && shift
  # Not a process group leader inside a script, so setsid(1) does not fork
  # and $! is the server itself (checked below through its start time).
  setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  pid=$!
  start=$(proc_starttime "$pid") || start=
  for ((i = 0; i < timeout * 5; i++)); do
    if proc_gone "$pid"; then
      break
    fi
    if [[ $ready == http://* ]]; then
      curl -fsS --max-time 2 -o /dev/null "$ready" 2>/dev/null && { ok=1; break; }
    else
      "$ready" "$port" >/dev/null 2>&1 && { ok=1; break; }
    fi
    sleep 0.2
  done
  # A PORT below 1024 is a worker's number, not a port (deploy/local/up).
  if [ "$ok" -eq 1 ] && [ "$port" -ge 1024 ] && ! listener_ours "$port" "$pid"; then
    note "$name: port $port answered, but not from the server just started (taken meanwhile)"
    ok=0 stranger=1
  fi
  if [ "$ok" -ne 1 ]; then
    if proc_gone "$pid"; then
      wait "$pid" 2>/dev/null && rc=0 || rc=$?
      note "$name exited during start-up (status $rc)"
    else
      [ "$stranger" -eq 1 ] || note "$name did not become ready within ${timeout} s"
      kill -TERM "$pid" 2>/dev/null || true
      sleep 1
      proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
    return 1
  fi
  [ -n "$start" ] || start=$(proc_starttime "$pid")
  env_lines+=("${name}_PORT=$port" "${name}_PID=$pid" "${name}_STARTTIME=$start")
  return 0
}

# write_env FILE: env_lines to FILE through a temporary file and rename, so a
# reader never sees half an env file.
write_env() {
  local tmp="$1.tmp.$$"
  {
    echo "# written by deploy/local/up at $(date -Is); deploy/local/down stops these PIDs"
    printf '%s\n' "${env_lines[@]}"
  } >"$tmp"
  mv -f "$tmp" "$1"
}
