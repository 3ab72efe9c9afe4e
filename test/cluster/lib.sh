# Shared by up.sh and down.sh: where state lives and how to find the binaries.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${WESTWARD_CACHE:-$HOME/.cache/westward}
state=${WESTWARD_CLUSTER_DIR:-$root/.cluster}
pids="$state/pids"
logs="$state/logs"

log() { printf '[cluster] %s\n' "$*" >&2; }

# A binary from an explicit variable, from envtest's assets, or from our cache (built on demand).
binary() { # name version override-var
  local override=${!3:-}
  if [ -n "$override" ]; then echo "$override"; return; fi
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/$1" ]; then
    echo "$KUBEBUILDER_ASSETS/$1"; return
  fi
  echo "$cache/bin/$1-$2"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_recorded() {
  local f pid n
  [ -d "$pids" ] || return 0
  # Reverse start order: node agent and controllers first, etcd last.
  for f in $(ls -t "$pids"/*.pid 2>/dev/null); do
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for n in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}
