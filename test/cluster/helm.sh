#!/usr/bin/env bash
# Builds helm from the Go module proxy into the binary cache, as its release builds are made:
# the version and the default Kubernetes version set through ldflags. A plain `go install`
# believes the cluster is Kubernetes 1.20 and refuses the chart's `kubeVersion: >=1.31` unless
# every command gets --kube-version. Idempotent; prints the binary's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${WESTWARD_CACHE:-$HOME/.cache/westward}
bin="$cache/bin/helm-$HELM_VERSION"
if [ ! -x "$bin" ]; then
  printf '[build] building helm %s\n' "$HELM_VERSION" >&2
  minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
  tmp="$cache/build/helm-$HELM_VERSION"
  mkdir -p "$tmp" "$cache/bin"
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS= GOTOOLCHAIN=${GOTOOLCHAIN:-auto} go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$tmp/helm" "$bin"
fi
echo "$bin"
