#!/usr/bin/env bash
# Makes sure the system tools the tests drive are present: Debian's chromium (the simulation
# report is checked in a real browser), prometheus (metrics are scraped by a real one) and helm.
# Installs them with apt-get when running as root; otherwise says what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
for tool in go kubectl openssl curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "[tools] $tool is required (see README prerequisites)" >&2; exit 1; }
done
# helm renders the chart in the packaging and RBAC tests: built once from the Go module proxy as
# release builds are (test/cluster/helm.sh), then cached.
bash "$(dirname "$0")/../cluster/helm.sh" >/dev/null
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[tools] installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package would start a system Prometheus on :9090; tests start their own.
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    systemctl stop prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || pkill -x prometheus || true
  fi
else
  echo "[tools] missing: ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
  exit 1
fi
