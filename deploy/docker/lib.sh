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
