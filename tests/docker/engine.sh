#!/bin/sh
# A Docker engine for the Docker path (make sam-local, make invoke, make test-sam-local).
#
#   eval "$(tests/docker/engine.sh start)"   # prints DOCKER_HOST=...; export it
#   tests/docker/engine.sh stop              # removes SAM CLI's containers; stops the dockerd it started
#   tests/docker/engine.sh check             # can start work here? (changes nothing)
#
# start uses a Docker that answers (DOCKER_HOST, or the default socket). Failing that, as root with
# apt-get (Debian, no systemd needed), it installs Debian's docker.io and starts dockerd by hand,
# its data under $SAM_LOCAL_DOCKER (default /var/tmp/sam-local-docker) so that images outlive the
# run and the checkout. Exit status 3, with the reason on stderr, when neither is possible.
# stop only stops a dockerd whose pid file is under $SAM_LOCAL_DOCKER: never another engine.
set -eu
state=${SAM_LOCAL_DOCKER:-/var/tmp/sam-local-docker}
ours=unix://$state/docker.sock

answers() { DOCKER_HOST=$1 docker info >/dev/null 2>&1; }
none() { echo "No Docker engine answers, and starting one needs apt-get as root" >&2; exit 3; }

running() {  # prints DOCKER_HOST=... of an engine that answers
  command -v docker >/dev/null || return 1
  if answers "${DOCKER_HOST:-}"; then echo "DOCKER_HOST=${DOCKER_HOST:-}"
  elif answers "$ours"; then echo "DOCKER_HOST=$ours"
  else return 1
  fi
}

startable() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

start() {
  running && return
  startable || none
  if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then  # (for base-image.sh)
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        docker.io debootstrap; } >&2 || { echo "apt-get could not install docker.io" >&2; exit 3; }
  fi
  mkdir -p "$state"
  # setsid: dockerd outlives this script (stop ends it); its own process group is never signalled.
  setsid dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "$ours" >"$state/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 60); do
    answers "$ours" && { echo "DOCKER_HOST=$ours"; return; }
    sleep 0.5
  done
  echo "dockerd did not answer within 30 s: see $state/dockerd.log" >&2; exit 3
}

stop() {
  if answers "$ours"; then
    export DOCKER_HOST="$ours"
    docker ps -aq --filter label=sam.cli.container.type=lambda | xargs -r docker rm -f >/dev/null
  fi
  pid=$(cat "$state/dockerd.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  echo "dockerd ($pid) still running 30 s after SIGTERM" >&2; exit 1
}

case "${1:-}" in
  check) running >/dev/null || startable || none ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 check|start|stop" >&2; exit 2 ;;
esac
