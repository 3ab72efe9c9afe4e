#!/usr/bin/env bash
# Builds the local control plane from the Go module proxy into a cache keyed by version.
# Idempotent: a binary that is already cached is not built again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${WESTWARD_CACHE:-$HOME/.cache/westward}
bin="$cache/bin"
mkdir -p "$bin" "$cache/build"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

log() { printf '[build] %s\n' "$*" >&2; }

# Every "<prefix>... v0.0.0" (or local-path) requirement in an upstream go.mod gets one replace
# line pinning it to the published tag, which is what `go install` refuses to do by itself.
replace_lines() { # gomod-file module-regex version
  awk -v re="$2" -v ver="$3" '
    $1 ~ re && ($2 == "v0.0.0" || $2 ~ /^v0\.0\.0$/) { print "replace " $1 " => " $1 " " ver }
  ' "$1" | sort -u
}

build_kubernetes() {
  local want=() c
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    [ -x "$bin/$c-$KUBERNETES_VERSION" ] || want+=("$c")
  done
  [ ${#want[@]} -eq 0 ] && return 0
  log "building ${want[*]} $KUBERNETES_VERSION (a cold build takes 10-25 minutes)"
  local dir="$cache/build/kubernetes-$KUBERNETES_VERSION" gomod staging
  mkdir -p "$dir"
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  staging=v0.${KUBERNETES_VERSION#v1.}
  {
    echo "module westward.local/controlplane"
    grep -E '^go ' "$gomod"
    grep -E '^godebug' "$gomod" || true
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    replace_lines "$gomod" '^k8s\\.io/' "$staging"
  } >"$dir/go.mod"
  local pkg="k8s.io/component-base/version" cgo="k8s.io/client-go/pkg/version" minor
  minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  local ld="-s -w"
  for p in "$pkg" "$cgo"; do
    ld+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.gitTreeState=clean"
    ld+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for c in "${want[@]}"; do
    log "go build $c"
    (cd "$dir" && go build -trimpath -ldflags "$ld" -o "$bin/$c-$KUBERNETES_VERSION.tmp" "k8s.io/kubernetes/cmd/$c")
    mv "$bin/$c-$KUBERNETES_VERSION.tmp" "$bin/$c-$KUBERNETES_VERSION"
  done
}

build_etcd() {
  [ -x "$bin/etcd-$ETCD_VERSION" ] && return 0
  log "building etcd $ETCD_VERSION"
  local dir="$cache/build/etcd-$ETCD_VERSION" gomod
  mkdir -p "$dir"
  gomod=$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module westward.local/etcd"
    grep -E '^go ' "$gomod"
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    # No replace lines needed: etcd pins its sibling modules at the same tag, and their
    # local-path replaces only apply inside etcd's own repository.
  } >"$dir/go.mod"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$bin/etcd-$ETCD_VERSION.tmp" go.etcd.io/etcd/server/v3)
  mv "$bin/etcd-$ETCD_VERSION.tmp" "$bin/etcd-$ETCD_VERSION"
}

build_kwok() {
  [ -x "$bin/kwok-$KWOK_VERSION" ] && return 0
  log "building kwok $KWOK_VERSION"
  local tmp="$cache/build/kwok-$KWOK_VERSION"
  mkdir -p "$tmp"
  GOBIN="$tmp" GOFLAGS= go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$tmp/kwok" "$bin/kwok-$KWOK_VERSION"
}

build_etcd
build_kwok
build_kubernetes
log "control plane binaries ready in $bin"
