#!/usr/bin/env bash
# Stops exactly the processes cluster:up started (by recorded PID) and removes the state.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ ! -d "$state" ]; then log "no local control plane here"; exit 0; fi
stop_recorded
if [ -L "$state/etcd" ]; then rm -rf "$(readlink "$state/etcd")"; fi
rm -rf "$state"
log "stopped and removed $state"
