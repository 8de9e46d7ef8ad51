# deploy/docker/lib.sh - shared by deploy/docker/up, down, base-image and
# test-docker. Sourced, never run: it expects $root (the repository root) and
# `set -euo pipefail` from its caller.
#
# It chooses the container engine and its compose tool once:
#   CONTAINER_ENGINE=docker|podman   wins when set;
#   otherwise docker when `docker info` answers (an engine runs), else podman.
# Compose: `docker compose` (v2) when present, else docker-compose (1.29);
# with podman, podman-compose. All three read the same compose files.
# shellcheck shell=bash
: "${root:?deploy/docker/lib.sh needs \$root set by its caller}"

note() { echo "${0##*/}: $*" >&2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

docker_dir="$root/deploy/docker"
# Everything generated lives under build/: the base image tarball, the env
# files of running deployments, bench results.
docker_build="$root/build/docker"

# engine_pick: sets $engine (docker or podman) and the $compose command array.
engine_pick() {
  engine=${CONTAINER_ENGINE:-}
  if [ -z "$engine" ]; then
    if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; then
      engine=docker
    elif command -v podman >/dev/null 2>&1; then
      engine=podman
    else
      die "no container engine: neither a docker engine answers nor podman is installed (deploy/install-deps --docker)"
    fi
  fi
  case "$engine" in
    docker)
      if docker compose version >/dev/null 2>&1; then
        compose=(docker compose)
      elif command -v docker-compose >/dev/null 2>&1; then
        compose=(docker-compose)
      else
        die "docker answers but neither 'docker compose' nor docker-compose is installed"
      fi ;;
    podman)
      command -v podman >/dev/null 2>&1 || die "CONTAINER_ENGINE=podman but podman is not installed"
      command -v podman-compose >/dev/null 2>&1 ||
        die "podman-compose is not installed (deploy/install-deps --docker)"
      compose=(podman-compose)
      # The project's podman settings (see containers.conf for why), unless
      # the user points podman at their own file.
      export CONTAINERS_CONF=${CONTAINERS_CONF:-$docker_dir/containers.conf}
      # Keep HEALTHCHECK in built images: podman's default OCI image format
      # drops it; the docker format keeps it.
      export BUILDAH_FORMAT=docker ;;
    *) die "CONTAINER_ENGINE must be docker or podman, not '$engine'" ;;
  esac
}

# A stage name must have a compose file: deploy/docker/compose.STAGE.yml.
check_docker_stage() {
  case "$1" in
    [0-9][0-9]-*) ;;
    *) die "'$1' is not a stage name (like 01-csv)" ;;
  esac
  case "$1" in */*|*..*) die "'$1' is not a stage name (like 01-csv)" ;; esac
  if [ ! -f "$docker_dir/compose.$1.yml" ]; then
    local f known=
    for f in "$docker_dir"/compose.*.yml; do
      f=${f##*/compose.}
      known+=" ${f%.yml}"
    done
    die "no compose file for '$1' (stages:$known)"
  fi
}

env_get() {
  sed -n "s/^$1=//p" "$2" | tail -n 1
}

# The compose project of a stage: santa-STAGE, unless SANTA_DOCKER_PROJECT
# names another (the tests use their own, so they never touch yours).
docker_project() {
  echo "${SANTA_DOCKER_PROJECT:-santa-$1}"
}

# deploy/docker/.env: the secrets every compose file reads (${POSTGRES_PASSWORD}
# ...). Made once with random values, mode 600, through a rename; a key
# missing from an older file is added. Never committed (.gitignore).
ensure_dotenv() {
  local f=$docker_dir/.env key tmp
  tmp=$(mktemp "$docker_dir/.env.XXXXXX")
  [ -f "$f" ] && cat "$f" >"$tmp"
  for key in POSTGRES_PASSWORD REDIS_PASSWORD; do
    if ! grep -q "^$key=" "$tmp"; then
      # 24 random bytes in hex: no character that a conninfo or a shell quotes.
      echo "$key=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >>"$tmp"
    fi
  done
  # The cache's MAC key, shared by stage 05's replicas: 32 bytes, 64 hex digits.
  grep -q '^CACHE_KEY=' "$tmp" ||
    echo "CACHE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >>"$tmp"
  if [ -f "$f" ] && cmp -s "$f" "$tmp"; then
    rm -f "$tmp"
  else
    chmod 600 "$tmp"
    mv -f "$tmp" "$f"
    note "wrote the deployment secrets to deploy/docker/.env (never committed)"
  fi
}

# The Dockerfile targets a compose file builds from (its `target:` lines).
compose_targets() {
  sed -n 's/^ *target: *\([a-z0-9-]*\) *$/\1/p' "$1" | sort -u
}

# build_image TARGET: santa-stack-TARGET from deploy/docker/Dockerfile, the
# repository root as context; output to build/docker/build-TARGET.log.
build_image() {
  local target=$1 log=$docker_build/build-$1.log t0=$SECONDS
  mkdir -p "$docker_build"
  note "building santa-stack-$target (log: build/docker/build-$target.log)"
  # BuildKit (RUN --mount=type=cache) for docker; podman's buildah has it.
  DOCKER_BUILDKIT=1 timeout 1200 "$engine" build -f "$docker_dir/Dockerfile" --target "$target" \
    --build-arg "BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}" -t "santa-stack-$target" \
    "$root" >"$log" 2>&1 || { tail -n 20 "$log" >&2; return 1; }
  note "built santa-stack-$target in $((SECONDS - t0)) s"
}

# The containers, networks and (with $2 = 1) volumes of a compose project,
# found by the label all three compose tools put on them.
project_containers() {
  "$engine" ps -a --filter "label=com.docker.compose.project=$1" --format '{{.Names}}'
}
project_networks() {
  "$engine" network ls --filter "label=com.docker.compose.project=$1" --format '{{.Name}}'
}
project_volumes() {
  "$engine" volume ls --filter "label=com.docker.compose.project=$1" --format '{{.Name}}'
}
project_objects() {
  local out
  out="$(project_containers "$1" | sed 's/^/container /')
$(project_networks "$1" | sed 's/^/network /')"
  [ "$2" = 1 ] && out+="
$(project_volumes "$1" | sed 's/^/volume /')"
  echo "$out" | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//'
}

# Every volume the project's containers mount, named or anonymous (an
# anonymous one carries no project label: only its container knows it).
project_mounted_volumes() {
  local c
  for c in $(project_containers "$1"); do
    "$engine" inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{"\n"}}{{end}}{{end}}' "$c"
  done | sed '/^$/d' | sort -u
}

remove_leftovers() {
  local c n v
  for c in $(project_containers "$1"); do "$engine" rm -f -v "$c" >/dev/null 2>&1 || true; done
  for n in $(project_networks "$1"); do "$engine" network rm "$n" >/dev/null 2>&1 || true; done
  if [ "$2" = 1 ]; then
    for v in $(project_volumes "$1"); do "$engine" volume rm -f "$v" >/dev/null 2>&1 || true; done
  fi
}

# is_healthy CONTAINER: its health check passes now. Docker runs health
# checks on its own schedule; podman without systemd (as here) cannot
# schedule them, so for podman the check is run here (`podman healthcheck
# run`, which also records the result). A container without a health check
# counts when it is running.
is_healthy() {
  local c=$1 state
  state=$("$engine" inspect --format '{{.State.Status}}' "$c" 2>/dev/null) || return 1
  [ "$state" = running ] || return 1
  if [ "$engine" = podman ]; then
    local out
    out=$(timeout 10 podman healthcheck run "$c" 2>&1) && return 0
    case "$out" in *"no defined healthcheck"*|*"has no defined healthcheck"*) return 0 ;; esac
    return 1
  fi
  case "$("$engine" inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$c")" in
    healthy|none) return 0 ;;
    *) return 1 ;;
  esac
}

# wait_healthy PROJECT SECONDS: every container of the project healthy at
# once, within SECONDS. Prints which one is not, on failure.
wait_healthy() {
  local project=$1 limit=$2 deadline=$((SECONDS + $2)) c all names
  while :; do
    names=$(project_containers "$project")
    all=1
    [ -n "$names" ] || all=0
    for c in $names; do
      is_healthy "$c" || { all=0; break; }
    done
    [ "$all" -eq 1 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      note "not healthy within $limit s: ${c:-no container}"
      return 1
    fi
    sleep 1
  done
}

# wait_url URL SECONDS: curl gets a 2xx from URL within SECONDS.
wait_url() {
  local deadline=$((SECONDS + $2))
  until curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# The last lines of every container's log, for a failed start.
project_logs() {
  local c
  for c in $(project_containers "$1"); do
    echo "--- $c: $("$engine" inspect --format '{{.State.Status}}' "$c" 2>/dev/null)"
    "$engine" logs --tail 15 "$c" 2>&1 || true
  done
}
