#!/usr/bin/env bash
# Starts a real control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok as the node agent. Writes an admin kubeconfig to .cluster/kubeconfig.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

mkdir -p "$state"
exec 9>"$state/.lock"
flock 9 # one start at a time; a second caller waits, then reuses

if [ -f "$state/kubeconfig" ] && alive "$pids/kube-apiserver.pid" && \
   kubectl --kubeconfig "$state/kubeconfig" get --raw /readyz >/dev/null 2>&1; then
  log "already running; reusing it (KUBECONFIG=$state/kubeconfig)"
  exit 0
fi
stop_recorded
rm -rf "$pids" "$logs" "$state/pki" "$state/etcd" "$state/kubeconfig"
mkdir -p "$pids" "$logs" "$state/pki"

etcd_bin=$(binary etcd "$ETCD_VERSION" WESTWARD_ETCD)
apiserver_bin=$(binary kube-apiserver "$KUBERNETES_VERSION" WESTWARD_KUBE_APISERVER)
kcm_bin=$(binary kube-controller-manager "$KUBERNETES_VERSION" WESTWARD_KUBE_CONTROLLER_MANAGER)
scheduler_bin=$(binary kube-scheduler "$KUBERNETES_VERSION" WESTWARD_KUBE_SCHEDULER)
kwok_bin=$(binary kwok "$KWOK_VERSION" WESTWARD_KWOK)
for b in "$etcd_bin" "$apiserver_bin" "$kcm_bin" "$scheduler_bin" "$kwok_bin"; do
  if [ ! -x "$b" ]; then bash "$here/build.sh"; break; fi
done

current=""
on_failure() {
  local code=$?
  if [ -n "$current" ] && [ -f "$logs/$current.log" ]; then
    log "$current failed to start; last lines of its log:"
    tail -n 30 "$logs/$current.log" >&2
  fi
  log "stopping what was started"
  stop_recorded
  exit "$code"
}
trap on_failure ERR INT TERM

# Free loopback ports, chosen by the kernel so parallel checkouts do not collide.
free_port() { "$root/node_modules/.bin/node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null || python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
etcd_port=$(free_port); etcd_peer=$(free_port); api_port=$(free_port)
kcm_port=$(free_port); sched_port=$(free_port); kwok_port=$(free_port)

pki="$state/pki"
log "writing PKI"
openssl_quiet() { openssl "$@" >/dev/null 2>&1; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=westward-local-ca" \
  -keyout "$pki/ca.key" -out "$pki/ca.crt"
cert() { # name subject [san]
  openssl_quiet req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr"
  local ext="$pki/$1.ext"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >"$ext"
  [ -n "${3:-}" ] && printf 'subjectAltName=%s\n' "$3" >>"$ext"
  openssl_quiet x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$ext" -out "$pki/$1.crt"
}
cert apiserver "/CN=kube-apiserver" "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,IP:10.0.0.1"
cert admin "/O=system:masters/CN=westward-admin"
openssl_quiet genrsa -out "$pki/sa.key" 2048
openssl_quiet rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

kubeconfig="$state/kubeconfig"
cat >"$kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: westward-local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: pki/ca.crt
users:
- name: westward-admin
  user:
    client-certificate: pki/admin.crt
    client-key: pki/admin.key
contexts:
- name: westward-local
  context: {cluster: westward-local, user: westward-admin}
current-context: westward-local
KC

start() { # name command...
  local name=$1; shift
  current=$name
  # 9>&-: the component must not inherit the start lock, or it would hold it for its lifetime
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$pids/$name.pid"
  sleep 0.05
}
wait_healthy() { # name url [curl args...]
  local name=$1 url=$2; shift 2
  local i
  for i in $(seq 1 240); do
    if ! alive "$pids/$name.pid"; then log "$name exited"; return 1; fi
    if curl -fsS --max-time 2 "$@" "$url" >/dev/null 2>&1; then log "$name healthy"; return 0; fi
    sleep 0.5
  done
  log "$name not healthy after 120 s"; return 1
}

etcd_dir="$state/etcd"
[ -d /dev/shm ] && etcd_dir=$(mktemp -d /dev/shm/westward-etcd.XXXXXX) && ln -sfn "$etcd_dir" "$state/etcd"
start etcd "$etcd_bin" --name westward --data-dir "$etcd_dir" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "westward=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --quota-backend-bytes 2147483648
wait_healthy etcd "http://127.0.0.1:$etcd_port/health"

start kube-apiserver "$apiserver_bin" \
  --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
  --secure-port "$api_port" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 --authorization-mode RBAC --allow-privileged=true \
  --endpoint-reconciler-type none \
  `# kwok pods mount nothing; without this a new namespace races its default ServiceAccount` \
  --disable-admission-plugins ServiceAccount
wait_healthy kube-apiserver "https://127.0.0.1:$api_port/readyz" \
  --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key"

start kube-controller-manager "$kcm_bin" --kubeconfig "$kubeconfig" \
  --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --controllers '*,-cloud-node-lifecycle,-service-lb-controller,-route'
wait_healthy kube-controller-manager "https://127.0.0.1:$kcm_port/healthz" -k

start kube-scheduler "$scheduler_bin" --kubeconfig "$kubeconfig" \
  --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false
wait_healthy kube-scheduler "https://127.0.0.1:$sched_port/healthz" -k

start kwok "$kwok_bin" --kubeconfig "$kubeconfig" --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --server-address "127.0.0.1:$kwok_port" --node-ip 127.0.0.1 \
  `# heartbeats through node Leases, as kubelets do, so node-lifecycle sees them alive` \
  --node-lease-duration-seconds 40
wait_healthy kwok "http://127.0.0.1:$kwok_port/healthz"

current=""
trap - ERR INT TERM
log "control plane ready: export KUBECONFIG=$kubeconfig"
