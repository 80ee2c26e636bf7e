# The extra nodes of a multi-node stack (STACK_NODES=3): node k (2, 3, ...) is etcdop-node-k, a real
# kubelet, containerd and kube-proxy in a network namespace of its own, with its own state directory,
# cgroup root, pod range (10.244.<k-1>.0/24) and local-path volumes. Sourced by scripts/stack/node.sh.
#
# Network: the node's namespace holds its pod bridge, whose address is the node IP; a veth pair
# (etcdopv<k> on the host) links it to the host, where a route sends its pod range. Proxy ARP on both
# ends lets either side answer for what it routes, so no link addresses are needed. Everything the
# node sends off its range goes through the host, whose FORWARD rules keep it on the machine.
# Each node is in zone zone-<k> (topology.kubernetes.io/zone); the first node is zone-1.
#
# node-stop <node> stops a node the way a machine dies: its link cut, every container in its cgroup
# killed, its kubelet, containerd and kube-proxy killed. It stays down (a later `up` leaves it) until
# node-start. `down` removes the extra nodes: their Node objects, processes and state.

xnode_name() { echo "etcdop-node-$1"; }
xnode_ns() { echo "etcdop-node-$1"; }
xnode_ip() { echo "10.244.$(( $1 - 1 )).1"; }
xnode_cidr() { echo "10.244.$(( $1 - 1 )).0/24"; }
xnode_veth() { echo "etcdopv$1"; }
xnode_state() { echo "$STATE/node-$1"; }
xnode_sock() { echo "$(xnode_state "$1")/run/containerd.sock"; }
xnode_cgroup() { echo "/etcdop-node-$1"; }
# The numbers of the extra nodes made so far.
xnodes() { local d; for d in "$STATE"/node-[0-9]*; do [[ -d $d ]] && echo "${d##*-}"; done | sort -n; }
# node_number <name or number>: 2 for etcdop-node-2 or 2; empty for the first node or an unknown one.
node_number() { local n=${1#etcdop-node-}; [[ $n =~ ^[0-9]+$ ]] && (( n >= 2 )) && [[ -d $(xnode_state "$n") ]] && echo "$n"; }

in_ns() { local k=$1; shift; nsenter --net="/run/netns/$(xnode_ns "$k")" "$@"; }
CGROUP_CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids systemd)

xnode_network_up() {
  local k=$1 ns veth ip; ns=$(xnode_ns "$k"); veth=$(xnode_veth "$k"); ip=$(xnode_ip "$k")
  # Not `ip netns add`: when /run/netns is not a mount point yet it bind-mounts /run/netns onto itself,
  # which hides the network namespaces of pods already running on the first node, and their sandboxes
  # can then never be removed (KillPodSandbox: unlinkat ... device or resource busy).
  if [[ ! -e /run/netns/$ns ]]; then mkdir -p /run/netns; touch "/run/netns/$ns"; unshare --net="/run/netns/$ns" true; fi
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip link add "$veth" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$veth" up
  sysctl -qw "net.ipv4.conf.$veth.proxy_arp=1" "net.ipv4.conf.$veth.rp_filter=0"
  ip route replace "$(xnode_cidr "$k")" dev "$veth" src "$NODE_IP"
  in_ns "$k" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.eth0.proxy_arp=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && in_ns "$k" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  in_ns "$k" ip link set lo up
  in_ns "$k" ip link set eth0 up
  in_ns "$k" ip link show "$BRIDGE" >/dev/null 2>&1 || in_ns "$k" ip link add "$BRIDGE" type bridge
  in_ns "$k" ip addr replace "$ip/24" dev "$BRIDGE"
  in_ns "$k" ip link set "$BRIDGE" up
  in_ns "$k" ip route replace default dev eth0 src "$ip"
}

# The node's own cgroup root in every hierarchy (cgroup v1): its pods live under <root>/kubepods, away
# from the other kubelets' (a kubelet removes pod cgroups it does not know).
xnode_cgroups_up() {
  local k=$1 c dir
  for c in "${CGROUP_CONTROLLERS[@]}"; do
    [[ -d /sys/fs/cgroup/$c ]] || continue
    dir=/sys/fs/cgroup/$c$(xnode_cgroup "$k")
    mkdir -p "$dir"
    if [[ $c == cpuset && -z $(cat "$dir/cpuset.cpus") ]]; then
      cat /sys/fs/cgroup/cpuset/cpuset.cpus > "$dir/cpuset.cpus"
      cat /sys/fs/cgroup/cpuset/cpuset.mems > "$dir/cpuset.mems"
    fi
  done
}

# Every process in the node's cgroups (its containers), killed while frozen so none forks away.
xnode_kill_containers() {
  local k=$1 freezer; freezer=/sys/fs/cgroup/freezer$(xnode_cgroup "$k")
  [[ -d $freezer ]] || return 0
  echo FROZEN > "$freezer/freezer.state" 2>/dev/null || true
  local pids; pids=$(find /sys/fs/cgroup/*"$(xnode_cgroup "$k")" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
  [[ -n $pids ]] && kill -KILL $pids 2>/dev/null || true
  echo THAWED > "$freezer/freezer.state" 2>/dev/null || true
}

xnode_make_pki() {
  local k=$1 name; name=$(xnode_name "$k")
  cert "kubelet-node-$k" "system:node:$name" system:nodes client
  cert "kubelet-node-$k-serving" "$name" - server "IP:$(xnode_ip "$k"),DNS:$name"
  kubeconfig "$PKI/kubelet-node-$k.kubeconfig" "kubelet-node-$k"
}

xnode_kubelet_healthy() { in_ns "$XK" curl -sf --max-time 5 http://127.0.0.1:10248/healthz >/dev/null; }
xnode_proxy_healthy() { in_ns "$XK" curl -sf --max-time 5 http://127.0.0.1:10256/healthz >/dev/null; }
xnode_containerd_healthy() { ctr --address "$(xnode_sock "$XK")" version >/dev/null 2>&1; }
xnode_ready() { node_is_ready "$(xnode_name "$XK")"; }
node_is_ready() { kubectl_ get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True; }

xnode_start_containerd() { spawn "node-$XK-containerd" nsenter --net="/run/netns/$(xnode_ns "$XK")" containerd --config "$(xnode_state "$XK")/containerd/config.toml"; }
xnode_start_kubelet() {
  local taints=()
  [[ -n ${STACK_NODE_TAINT:-} ]] && taints=(--register-with-taints "$STACK_NODE_TAINT")
  spawn "node-$XK-kubelet" nsenter --net="/run/netns/$(xnode_ns "$XK")" "$(kbin kubelet)" --config "$(xnode_state "$XK")/kubelet.yaml" \
    --kubeconfig "$PKI/kubelet-node-$XK.kubeconfig" --root-dir "$(xnode_state "$XK")/kubelet" --node-ip "$(xnode_ip "$XK")" \
    --hostname-override "$(xnode_name "$XK")" --node-labels "topology.kubernetes.io/zone=zone-$XK" "${taints[@]}" --v=0
}
xnode_start_proxy() {
  spawn "node-$XK-kube-proxy" nsenter --net="/run/netns/$(xnode_ns "$XK")" "$(kbin kube-proxy)" --kubeconfig "$PKI/kube-proxy.kubeconfig" \
    --hostname-override "$(xnode_name "$XK")" --proxy-mode iptables --cluster-cidr "$POD_SUPERNET" --conntrack-max-per-core 0 \
    --nodeport-addresses "$(xnode_ip "$XK")/32" --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 --v=0
}

# up_xnode <k>: node k up and Ready, unless it was stopped on purpose (node-stop).
up_xnode() {
  local k=$1 dir; dir=$(xnode_state "$k")
  mkdir -p "$dir"
  if [[ -f $dir/stopped ]]; then log "node $(xnode_name "$k") is stopped (node-start brings it back)"; return 0; fi
  write_node_configs "$dir" "$(xnode_ip "$k")" "$(xnode_cidr "$k")" "$(xnode_sock "$k")" "kubelet-node-$k" "$(xnode_cgroup "$k")"
  xnode_make_pki "$k"
  xnode_network_up "$k"
  xnode_cgroups_up "$k"
  local XK=$k
  ensure "node-$k-containerd" xnode_containerd_healthy 30 xnode_start_containerd
  CONTAINERD_SOCK=$(xnode_sock "$k") import_images
  ensure "node-$k-kubelet" xnode_kubelet_healthy 60 xnode_start_kubelet
  ensure "node-$k-kube-proxy" xnode_proxy_healthy 60 xnode_start_proxy
  wait_for 120 "node $(xnode_name "$k") Ready" xnode_ready
}

# The local-path provisioner keeps each node's volumes under that node's state directory.
local_path_config() {
  local k entries="{\"node\": \"DEFAULT_PATH_FOR_NON_LISTED_NODES\", \"paths\": [\"$NODE_STATE/volumes\"]}"
  for k in $(xnodes); do entries+=", {\"node\": \"$(xnode_name "$k")\", \"paths\": [\"$(xnode_state "$k")/volumes\"]}"; done
  echo "{\"nodePathMap\": [$entries]}"
}

# up_xnodes: the extra nodes up to STACK_NODES (and any made before), each labelled with its zone.
up_xnodes() {
  local want=${STACK_NODES:-1} k
  [[ $want =~ ^[1-9]$ ]] || die "STACK_NODES must be 1..9 (got $want)"
  for (( k = 2; k <= want; k++ )); do mkdir -p "$(xnode_state "$k")"; done
  for k in $(xnodes); do up_xnode "$k"; done
  kubectl_ label node "$NODE_NAME" topology.kubernetes.io/zone=zone-1 --overwrite >/dev/null
}

xnode_kill() {
  local k=$1 c
  xnode_kill_containers "$k"
  for c in kubelet kube-proxy containerd; do
    local p; p=$(pid_of "node-$k-$c")
    [[ -n $p ]] && kill -KILL -- "-$p" 2>/dev/null
    rm -f "$STATE/pids/node-$k-$c.pid"
  done
  pkill -KILL -f "containerd-shim-runc-v2 -namespace k8s.io -id .* -address $(xnode_sock "$k")" 2>/dev/null || true
  xnode_kill_containers "$k"
}

cmd_node_stop() {
  local k; k=$(node_number "${1:-}") || true
  [[ -n $k ]] || die "node-stop takes an extra node (etcdop-node-2, ...; the first node runs every other suite's pods): $(xnodes | sed 's/^/etcdop-node-/' | tr '\n' ' ')"
  touch "$(xnode_state "$k")/stopped"
  ip link set "$(xnode_veth "$k")" down 2>/dev/null || true
  xnode_kill "$k"
  log "node $(xnode_name "$k") stopped: link down, containers, kubelet, containerd and kube-proxy killed"
}

cmd_node_start() {
  local k; k=$(node_number "${1:-}") || true
  [[ -n $k ]] || die "node-start takes an extra node: $(xnodes | sed 's/^/etcdop-node-/' | tr '\n' ' ')"
  rm -f "$(xnode_state "$k")/stopped"
  up_xnode "$k"
  log "node $(xnode_name "$k") started"
}

# down_xnodes: every extra node gone, Node object included (while the apiserver still answers).
down_xnodes() {
  local k m
  for k in $(xnodes); do
    alive kube-apiserver && kubectl_ delete node "$(xnode_name "$k")" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    xnode_kill "$k"
    for m in $(awk -v p="$(xnode_state "$k")/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
    ip link delete "$(xnode_veth "$k")" 2>/dev/null || true
    ip netns delete "$(xnode_ns "$k")" 2>/dev/null || true
    local c; for c in "${CGROUP_CONTROLLERS[@]}"; do
      find "/sys/fs/cgroup/$c$(xnode_cgroup "$k")" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rm -rf "$(xnode_state "$k")"
    log "removed node $(xnode_name "$k")"
  done
}

status_xnodes() {
  local k first=1 XK
  for k in $(xnodes); do
    XK=$k
    [[ $first == 1 ]] || printf ','; first=0
    printf '{"name":"%s","zone":"zone-%s","address":"%s","stopped":%s,"ready":%s,"components":{"containerd":%s,"kubelet":%s,"kube-proxy":%s}}' \
      "$(xnode_name "$k")" "$k" "$(xnode_ip "$k")" "$([[ -f $(xnode_state "$k")/stopped ]] && echo true || echo false)" \
      "$( (alive kube-apiserver && xnode_ready) && echo true || echo false)" \
      "$(component_json "node-$k-containerd" "" "$( (alive "node-$k-containerd" && xnode_containerd_healthy) && echo true || echo false)")" \
      "$(component_json "node-$k-kubelet" "" "$( (alive "node-$k-kubelet" && xnode_kubelet_healthy) && echo true || echo false)")" \
      "$(component_json "node-$k-kube-proxy" "" "$( (alive "node-$k-kube-proxy" && xnode_proxy_healthy) && echo true || echo false)")"
  done
}
