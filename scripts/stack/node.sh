# A single-node Kubernetes on this machine from real components: etcd, kube-apiserver,
# controller-manager, scheduler, containerd+runc, kubelet, kube-proxy, CNI bridge, CoreDNS on the
# host, and rancher's local-path provisioner. Sourced by scripts/stack.sh (which defines the helpers).
#
# Network: pods live on bridge $BRIDGE ($POD_CIDR, no masquerade); the node IP is the bridge
# gateway, so the apiserver and CoreDNS are reachable from pods and the host without leaving the
# machine. The pod supernet is blackholed; the service supernet is routed onto the bridge (a host
# socket needs a usable route before kube-proxy's DNAT applies; a blackhole would fail connect()
# with EINVAL), where no address answers but a pod's. A FORWARD rule drops
# anything between the bridge and other interfaces: nothing leaves by the default route.

. "$ROOT/scripts/stack/pki.sh"
. "$ROOT/scripts/stack/images.sh"
. "$ROOT/scripts/stack/nodes.sh"

NODE_NAME=etcdop-node
BRIDGE=etcdop0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/24
KUBERNETES_SVC_IP=10.96.0.1
POD_SUPERNET=10.244.0.0/16
SERVICE_SUPERNET=10.96.0.0/16
FWD_CHAIN=ETCDOP-FORWARD
NODE_STATE=$STATE/node
PKI=$NODE_STATE/pki
CONTAINERD_SOCK=$NODE_STATE/run/containerd.sock
NODE_ETCD_PORT=12379
# A node that stops renewing its lease is NotReady after this (Kubernetes 1.33's default is 50s):
# shorter, so that node loss is seen sooner by tests and users trying it; long enough that a loaded
# machine's kubelet (it renews every 10s) is not declared lost.
NODE_MONITOR_GRACE=30s
NODE_COMPONENTS=(node-etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns provisioner)

# KUBECONFIG pointing anywhere but our own admin kubeconfig is the user's cluster.
node_external() { [[ -n ${KUBECONFIG:-} && $KUBECONFIG != "$PKI/admin.kubeconfig" ]]; }

kbin() { echo "$(tool kube)/$1"; }
kubectl_() { "$(kbin kubectl)" --kubeconfig "$PKI/admin.kubeconfig" "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# --- network ---------------------------------------------------------------
network_up() {
  sysctl -qw net.ipv4.ip_forward=1
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ip route replace blackhole "$POD_SUPERNET"
  ip route replace "$SERVICE_SUPERNET" dev "$BRIDGE"
  iptables -w -N "$FWD_CHAIN" 2>/dev/null || iptables -w -F "$FWD_CHAIN"
  # etcdop+: the bridge and the links to the extra nodes (scripts/stack/nodes.sh).
  iptables -w -A "$FWD_CHAIN" -i etcdop+ ! -o etcdop+ -j DROP
  iptables -w -A "$FWD_CHAIN" ! -i etcdop+ -o etcdop+ -j DROP
  iptables -w -C FORWARD -j "$FWD_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$FWD_CHAIN"
}

network_down() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  ip link delete "$BRIDGE" 2>/dev/null || true
  ip route del blackhole "$POD_SUPERNET" 2>/dev/null || true
  while iptables -w -D FORWARD -j "$FWD_CHAIN" 2>/dev/null; do :; done
  iptables -w -F "$FWD_CHAIN" 2>/dev/null && iptables -w -X "$FWD_CHAIN" 2>/dev/null || true
  # kube-proxy's and the CNI plugins' own chains.
  [[ -x $(kbin kube-proxy) ]] && "$(kbin kube-proxy)" --cleanup >/dev/null 2>&1 || true
  local table chain
  for table in nat filter mangle; do
    for chain in $(iptables -w -t "$table" -S 2>/dev/null | awk '/^-N (CNI-|KUBE-)/{print $2}'); do
      iptables -w -t "$table" -F "$chain" 2>/dev/null || true
    done
    { iptables -w -t "$table" -S 2>/dev/null | grep -E '^-A .*-j (CNI-|KUBE-)' || true; } | sed 's/^-A/-D/' \
      | while read -r rule; do eval "iptables -w -t $table $rule" 2>/dev/null || true; done
    for chain in $(iptables -w -t "$table" -S 2>/dev/null | awk '/^-N (CNI-|KUBE-)/{print $2}'); do
      iptables -w -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  rm -rf "$NODE_STATE/cni/ipam"
}

# --- config files ------------------------------------------------------------
# The per-node files (CNI, containerd, kubelet) are written by these for every node of the stack:
# the first one here, the extra ones (scripts/stack/nodes.sh) with their own addresses and paths.

# write_node_configs <state dir> <node IP> <pod CIDR> <containerd socket> <kubelet cert prefix> <cgroup root>
write_node_configs() {
  local dir=$1 ip=$2 cidr=$3 sock=$4 certs=$5 cgroot=$6
  mkdir -p "$dir"/{cni/net.d,cni/ipam,containerd,run,kubelet,pod-logs,volumes}
  cat > "$dir/cni/net.d/10-etcdop.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "etcdop", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$dir/cni/ipam",
            "ranges": [[{"subnet": "$cidr", "gateway": "$ip"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
EOF
  cat > "$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_cdi = false
  # This machine forbids lowering oom_score_adj even as root; keep pods at or above containerd's.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
EOF
  # Pods get no upstream resolver: cluster names only, nothing is forwarded off the machine.
  : > "$dir/resolv.conf"
  cat > "$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/$certs-serving.crt
tlsPrivateKeyFile: $PKI/$certs-serving.key
cgroupDriver: cgroupfs
cgroupRoot: $cgroot
failSwapOn: false
failCgroupV1: false
containerRuntimeEndpoint: unix://$sock
clusterDomain: cluster.local
clusterDNS: [$NODE_IP]
resolvConf: $dir/resolv.conf
podLogsDir: $dir/pod-logs
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
evictionPressureTransitionPeriod: 10s
enforceNodeAllocatable: [pods]
protectKernelDefaults: false
EOF
}

write_configs() {
  mkdir -p "$NODE_STATE/etcd"
  write_node_configs "$NODE_STATE" "$NODE_IP" "$POD_CIDR" "$CONTAINERD_SOCK" kubelet /
  cat > "$NODE_STATE/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $PKI/coredns.kubeconfig local
        pods insecure
        ttl 5
    }
    cache 5
}
# Everything else is answered NXDOMAIN here: no upstream, and resolvers get a clean "no such name".
.:53 {
    bind $NODE_IP
    template ANY ANY {
        rcode NXDOMAIN
    }
}
EOF
}

# --- components -------------------------------------------------------------
https_ok() { curl -sf --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$1" >/dev/null; }
node_etcd_healthy() { curl -sf --max-time 5 "http://127.0.0.1:$NODE_ETCD_PORT/health" | grep -q '"health":"true"'; }
containerd_healthy() { ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
apiserver_healthy() { https_ok "https://$NODE_IP:6443/readyz"; }
cm_healthy() { curl -sfk --max-time 5 https://127.0.0.1:10257/healthz >/dev/null; }
scheduler_healthy() { curl -sfk --max-time 5 https://127.0.0.1:10259/healthz >/dev/null; }
kubelet_healthy() { curl -sf --max-time 5 http://127.0.0.1:10248/healthz >/dev/null; }
proxy_healthy() { curl -sf --max-time 5 http://127.0.0.1:10256/healthz >/dev/null; }
coredns_healthy() { curl -sf --max-time 5 http://127.0.0.1:18181/ready >/dev/null; }
provisioner_healthy() { alive provisioner; }
node_ready() { kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True; }

# ensure <name> <health fn> <timeout> <start fn>: start it unless it already runs healthy.
ensure() {
  local name=$1 healthy=$2 timeout=$3 start=$4
  if alive "$name" && healthy_within 20 "$healthy"; then return 0; fi
  stop "$name" >/dev/null 2>&1
  $start
  wait_for "$timeout" "$name" $healthy
}

start_node_etcd() {
  check_port "$NODE_ETCD_PORT" node_etcd
  spawn node-etcd "$(tool etcd36)/etcd" --name node --data-dir "$NODE_STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$NODE_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$NODE_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((NODE_ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((NODE_ETCD_PORT + 1))" \
    --initial-cluster "node=http://127.0.0.1:$((NODE_ETCD_PORT + 1))" --listen-metrics-urls "http://127.0.0.1:$((NODE_ETCD_PORT + 2))" \
    --quota-backend-bytes 4294967296 --log-level warn
}
start_containerd() { spawn containerd containerd --config "$NODE_STATE/containerd/config.toml"; }
start_apiserver() {
  check_port 6443 kube_apiserver "$NODE_IP"
  spawn kube-apiserver "$(kbin kube-apiserver)" --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port 6443 \
    --etcd-servers "http://127.0.0.1:$NODE_ETCD_PORT" --service-cluster-ip-range "$SERVICE_CIDR" \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --kubelet-preferred-address-types InternalIP \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true \
    --profiling=false --v=0
}
start_cm() {
  spawn kube-controller-manager "$(kbin kube-controller-manager)" --kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$PKI/controller-manager.kubeconfig" --authorization-kubeconfig "$PKI/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false --controllers '*,-cloud-node-lifecycle' \
    --node-monitor-grace-period "$NODE_MONITOR_GRACE" --v=0
}
start_scheduler() {
  spawn kube-scheduler "$(kbin kube-scheduler)" --kubeconfig "$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig "$PKI/scheduler.kubeconfig" --authorization-kubeconfig "$PKI/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --v=0
}
start_kubelet() {
  spawn kubelet "$(kbin kubelet)" --config "$NODE_STATE/kubelet.yaml" --kubeconfig "$PKI/kubelet.kubeconfig" \
    --root-dir "$NODE_STATE/kubelet" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME" --v=0
}
start_proxy() {
  spawn kube-proxy "$(kbin kube-proxy)" --kubeconfig "$PKI/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr "$POD_SUPERNET" --conntrack-max-per-core 0 \
    --nodeport-addresses "$NODE_IP/32" --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 --v=0
}
start_coredns() {
  spawn coredns "$(tool coredns)/coredns" -conf "$NODE_STATE/Corefile"
}
start_provisioner() {
  spawn provisioner "$(tool provisioner)/local-path-provisioner" start --kubeconfig "$PKI/provisioner.kubeconfig" \
    --namespace local-path-storage --helper-image "$BUSYBOX_IMAGE" --provisioner-name rancher.io/local-path
}

# Pods reach the host's Temporal and S3 (both on loopback) through these relays on the node IP:
# an operator installed in the cluster (deploy/overlays/local-stack) dials 10.244.0.1:7233 and :7070.
relay_healthy() { timeout 2 bash -c ": </dev/tcp/$NODE_IP/$1" 2>/dev/null; }
start_relay() { spawn "relay-$1" socat "TCP-LISTEN:$2,bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:$2"; }
start_temporal_relay() { start_relay temporal "$TEMPORAL_PORT"; }
start_s3_relay() { start_relay s3 "$S3_PORT"; }
temporal_relay_healthy() { relay_healthy "$TEMPORAL_PORT"; }
s3_relay_healthy() { relay_healthy "$S3_PORT"; }

apply_bootstrap() {
  kubectl_ apply -f "$ROOT/scripts/stack/manifests/coredns-rbac.yaml" >/dev/null
  local paths; paths=$(local_path_config)
  sed -e "s#__NODE_PATH_MAP__#$paths#" -e "s#__BUSYBOX_IMAGE__#$BUSYBOX_IMAGE#" \
    "$ROOT/scripts/stack/manifests/local-path-storage.yaml" | kubectl_ apply -f - >/dev/null
  # The provisioner reads its node paths once, at start: a new node's restarts it (ensure, below).
  if [[ $paths != "$(cat "$NODE_STATE/local-path-config.json" 2>/dev/null)" ]]; then
    stop provisioner >/dev/null 2>&1
    echo "$paths" > "$NODE_STATE/local-path-config.json"
  fi
}

up_node() {
  if node_external; then log "KUBECONFIG=$KUBECONFIG given: not starting a local node"; return; fi
  [[ $(id -u) == 0 ]] || die "the local Kubernetes node needs root (containers, bridges, iptables); set KUBECONFIG to use another cluster"
  command -v containerd >/dev/null && command -v runc >/dev/null && [[ -x /usr/lib/cni/bridge ]] \
    || die "containerd, runc and containernetworking-plugins are missing: run scripts/setup.sh"
  ensure_tool etcd36; ensure_tool kube; ensure_tool coredns; ensure_tool provisioner
  build_images
  # The extra nodes' directories first: the provisioner's config names each node's volume path.
  local k; for (( k = 2; k <= ${STACK_NODES:-1}; k++ )); do mkdir -p "$(xnode_state "$k")"; done
  write_configs
  make_pki
  network_up
  ensure node-etcd node_etcd_healthy 30 start_node_etcd
  ensure containerd containerd_healthy 30 start_containerd
  import_images
  ensure kube-apiserver apiserver_healthy 90 start_apiserver
  apply_bootstrap
  ensure kube-controller-manager cm_healthy 60 start_cm
  ensure kube-scheduler scheduler_healthy 60 start_scheduler
  ensure kubelet kubelet_healthy 60 start_kubelet
  ensure kube-proxy proxy_healthy 60 start_proxy
  ensure coredns coredns_healthy 60 start_coredns
  ensure provisioner provisioner_healthy 10 start_provisioner
  temporal_external || ensure relay-temporal temporal_relay_healthy 10 start_temporal_relay
  ensure relay-s3 s3_relay_healthy 10 start_s3_relay
  wait_for 120 "node $NODE_NAME Ready" node_ready
  up_xnodes
  log "Kubernetes node $NODE_NAME Ready$(for k in $(xnodes); do printf ', %s' "$(xnode_name "$k")"; done) (KUBECONFIG=$PKI/admin.kubeconfig)"
}

down_node() {
  node_external && return 0
  down_xnodes
  local c
  for c in relay-temporal relay-s3 provisioner coredns kube-proxy kubelet; do stop "$c"; done
  # Containers: stop every task and its shim while containerd still answers.
  if alive containerd; then
    local id
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 0.5
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  for c in kube-scheduler kube-controller-manager kube-apiserver containerd node-etcd; do stop "$c"; done
  pkill -KILL -f "containerd-shim-runc-v2 -namespace k8s.io -id .* -address $CONTAINERD_SOCK" 2>/dev/null || true
  # Mounts the kubelet and containerd made under the state dir, deepest first.
  local m
  for m in $(awk -v p="$NODE_STATE/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  network_down
}

status_node() {
  if node_external; then printf '{"external":true,"kubeconfig":"%s"}' "$KUBECONFIG"; return; fi
  local first=1 c h
  printf '{"name":"%s","address":"https://%s:6443","kubeconfig":"%s","ready":%s,"components":{' \
    "$NODE_NAME" "$NODE_IP" "$PKI/admin.kubeconfig" "$( (alive kube-apiserver && node_ready) && echo true || echo false)"
  for c in "${NODE_COMPONENTS[@]}"; do
    case $c in
      node-etcd) h=node_etcd_healthy ;; containerd) h=containerd_healthy ;; kube-apiserver) h=apiserver_healthy ;;
      kube-controller-manager) h=cm_healthy ;; kube-scheduler) h=scheduler_healthy ;; kubelet) h=kubelet_healthy ;;
      kube-proxy) h=proxy_healthy ;; coredns) h=coredns_healthy ;; provisioner) h=provisioner_healthy ;;
    esac
    [[ $first == 1 ]] || printf ','; first=0
    printf '"%s":%s' "$c" "$(component_json "$c" "" "$( (alive "$c" && $h) && echo true || echo false)")"
  done
  printf '},"extraNodes":[%s]}' "$(status_xnodes)"
}

env_node() {
  if node_external; then echo "export KUBECONFIG=$KUBECONFIG"; return; fi
  echo "export KUBECONFIG=$PKI/admin.kubeconfig"
  echo "export CONTAINERD_SOCK=$CONTAINERD_SOCK"
  echo "export ETCD_IMAGE_REPOSITORY=$IMAGE_REPO/etcd"
  echo "export ETCD_OPERATOR_TOOLS_IMAGE=$BUSYBOX_IMAGE"
}
