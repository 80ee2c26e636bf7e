# The stack's second Temporal profile (STACK_TEMPORAL=server): the Temporal server itself, built from
# its Go module (scripts/tools.sh temporal-server), with PostgreSQL (Debian's package) for the default
# and visibility stores, the schema applied by Temporal's own temporal-sql-tool, and mTLS on the
# frontend with certificates from a CA of its own, and JWT authorization as production Temporal runs
# it: every client sends a token signed by the stack's key (scripts/stack/jwt.mjs) whose `permissions`
# claim the server's default authorizer checks; `env` exports an admin token as TEMPORAL_API_KEY and
# `stack.sh temporal-token <subject> <permission>...` mints narrower ones. It listens on its own port (127.0.0.1:7333), so it
# runs next to the dev server: `STACK_TEMPORAL=server stack.sh up` starts it (the dev server stays),
# `STACK_TEMPORAL=server stack.sh env` exports its address and TLS files; without the variable, `env`
# is the dev server's. `down` stops both. Sourced by scripts/stack.sh.

TS_DIR=$STATE/temporal-server
TS_PKI=$TS_DIR/pki
TS_PORT=${STACK_TEMPORAL_SERVER_PORT:-7333}
TS_UI_PORT=${STACK_TEMPORAL_SERVER_UI_PORT:-8333}
TS_JWKS_PORT=${STACK_TEMPORAL_SERVER_JWKS_PORT:-7353}
TS_INTERNAL_PORT=$((TS_PORT + 3))
PG_PORT=${STACK_POSTGRES_PORT:-55432}
PG_DATA=$TS_DIR/postgres

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
# PostgreSQL refuses to run as root, and the state directory lives under root's home: run it in a
# user namespace where it is uid 1000 while the kernel still checks files as the caller.
as_pg() { unshare --user --map-user=1000 --map-group=1000 -- "$@"; }

# The profile asked for: STACK_TEMPORAL, for `up` and `env` alike. Never remembered in a file: suites
# running side by side each read `env`, and one asking for the server must not switch the others.
temporal_profile() {
  case ${STACK_TEMPORAL:-dev} in dev|server) echo "${STACK_TEMPORAL:-dev}" ;; *) die "STACK_TEMPORAL=$STACK_TEMPORAL: use dev (the default) or server" ;; esac
}

ts_pki() {
  mkdir -p "$TS_PKI"
  if [[ ! -f $TS_PKI/ca.crt ]]; then
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$TS_PKI/ca.key" -days 3650 \
      -subj "/CN=etcd-operator-local-temporal-ca" -out "$TS_PKI/ca.crt" 2>/dev/null
    chmod 600 "$TS_PKI/ca.key"
  fi
  # cert() (pki.sh) writes under $PKI: point it at this CA's directory for these two.
  ( PKI=$TS_PKI
    cert frontend temporal-frontend - server "IP:127.0.0.1,IP:$NODE_IP,DNS:localhost,DNS:temporal-frontend"
    cert client etcd-operator - client )
}
ts_tls_flags() { echo --tls-cert-path "$TS_PKI/client.crt" --tls-key-path "$TS_PKI/client.key" --tls-ca-path "$TS_PKI/ca.crt"; }
ts_temporal() { local_temporal "$@" --address "127.0.0.1:$TS_PORT" $(ts_tls_flags) --api-key "$(cat "$TS_PKI/admin.token")"; }

# The signing key, the JWKS the server fetches (served on loopback), and the admin token the stack's
# own clients use (the operator under `env`, the CLI here). Tokens are valid for a year; `up` renews
# the admin one.
ts_jwt() {
  [[ -f $TS_PKI/jwt.key ]] || { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TS_PKI/jwt.key" 2>/dev/null; chmod 600 "$TS_PKI/jwt.key"; }
  mkdir -p "$TS_DIR/jwks"
  node "$ROOT/scripts/stack/jwt.mjs" jwks "$TS_PKI/jwt.key" > "$TS_DIR/jwks/jwks.json"
  temporal_token stack temporal-system:admin > "$TS_PKI/admin.token.tmp"
  chmod 600 "$TS_PKI/admin.token.tmp"; mv "$TS_PKI/admin.token.tmp" "$TS_PKI/admin.token"
}
# temporal_token <subject> <permission>...: e.g. `temporal_token ci default:write`.
temporal_token() {
  [[ -f $TS_PKI/jwt.key ]] || die "no signing key yet: run STACK_TEMPORAL=server scripts/stack.sh up"
  node "$ROOT/scripts/stack/jwt.mjs" token "$TS_PKI/jwt.key" "$@"
}
jwks_healthy() { curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$TS_JWKS_PORT/jwks.json"; }
up_jwks() {
  if alive temporal-jwks && healthy_within 10 jwks_healthy; then return; fi
  stop temporal-jwks
  check_port "$TS_JWKS_PORT" temporal_server_jwks
  spawn temporal-jwks busybox httpd -f -p "127.0.0.1:$TS_JWKS_PORT" -h "$TS_DIR/jwks"
  wait_for 10 "JWKS for the Temporal server" jwks_healthy
}
# The CLI gives up after 5 s by itself.
temporal_server_healthy() { ts_temporal operator cluster health 2>/dev/null | grep -q SERVING; }

pg_password() {
  local f=$TS_DIR/postgres-password
  [[ -f $f ]] || { mkdir -p "$TS_DIR"; openssl rand -hex 16 > "$f"; chmod 600 "$f"; }
  cat "$f"
}
pg_healthy() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

# A PostgreSQL killed hard (a crashed machine, the stack-recovery test's SIGKILL) leaves
# postmaster.pid behind, and PostgreSQL refuses to start while any process has that pid, which a
# busy machine soon reuses. Ours is stopped by now: a pid that is not a postgres is stale.
clear_stale_postmaster_pid() {
  local f=$PG_DATA/postmaster.pid p
  [[ -f $f ]] || return 0
  p=$(head -n1 "$f")
  [[ $(ps -o comm= -p "${p:-0}" 2>/dev/null) == postgres ]] || rm -f "$f"
}

up_postgres() {
  [[ -n $(pg_bin) ]] || die "PostgreSQL is not installed: run scripts/setup.sh"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"
    as_pg "$(pg_bin)/initdb" -D "$PG_DATA" -U temporal --auth=scram-sha-256 --pwfile=<(pg_password) >/dev/null
  fi
  if alive postgres && healthy_within 20 pg_healthy; then return; fi
  stop postgres
  check_port "$PG_PORT" postgres
  clear_stale_postmaster_pid
  spawn postgres unshare --user --map-user=1000 --map-group=1000 -- "$(pg_bin)/postgres" -D "$PG_DATA" -p "$PG_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$TS_DIR" -c max_connections=200
  wait_for 30 PostgreSQL pg_healthy
}

# The default and visibility databases with Temporal's schema, applied (and later upgraded) by its tool.
setup_schema() {
  local sql="$(tool temporal-server)/temporal-sql-tool" schema="$(tool temporal-server)/../schema/postgresql/v12" db
  local common=(--plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u temporal --pw "$(pg_password)")
  for db in temporal temporal_visibility; do
    local dir=temporal; [[ $db == temporal_visibility ]] && dir=visibility
    "$sql" "${common[@]}" --db "$db" create-database >/dev/null 2>&1 || true   # exists: fine
    "$sql" "${common[@]}" --db "$db" setup-schema -v 0.0 >/dev/null 2>&1 || true # already set up: fine
    "$sql" "${common[@]}" --db "$db" update-schema -d "$schema/$dir/versioned" >> "$STATE/logs/temporal-schema.log" 2>&1 \
      || die "schema update of $db failed: see $STATE/logs/temporal-schema.log"
  done
}

write_server_config() {
  mkdir -p "$TS_DIR/config"
  local store
  {
    echo "log: {stdout: true, level: warn}"
    echo "persistence:"
    echo "  defaultStore: default"
    echo "  visibilityStore: visibility"
    echo "  numHistoryShards: 4"
    echo "  datastores:"
    for store in default visibility; do
      local db=temporal; [[ $store == visibility ]] && db=temporal_visibility
      cat <<EOF
    $store:
      sql:
        pluginName: postgres12
        databaseName: $db
        connectAddr: 127.0.0.1:$PG_PORT
        connectProtocol: tcp
        user: temporal
        password: "$(pg_password)"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
EOF
    done
    cat <<EOF
global:
  membership: {maxJoinDuration: 30s, broadcastAddress: 127.0.0.1}
  tls:
    # Clients (the operator, the CLI, tests) must present a certificate of this CA, and a token.
    # The server's own system workers use the internal frontend (plaintext on loopback, no
    # authorization) instead.
    frontend:
      server:
        requireClientAuth: true
        certFile: $TS_PKI/frontend.crt
        keyFile: $TS_PKI/frontend.key
        clientCaFiles: [$TS_PKI/ca.crt]
  authorization:
    jwtKeyProvider: {keySourceURIs: ["http://127.0.0.1:$TS_JWKS_PORT/jwks.json"], refreshInterval: 1m}
    permissionsClaimName: permissions
    authorizer: default
    claimMapper: default
services:
  frontend: {rpc: {grpcPort: $TS_PORT, membershipPort: $((TS_PORT - 500)), bindOnIP: 127.0.0.1, httpPort: $((TS_PORT + 10))}}
  internal-frontend: {rpc: {grpcPort: $((TS_PORT + 3)), membershipPort: $((TS_PORT - 497)), bindOnIP: 127.0.0.1, httpPort: $((TS_PORT + 13))}}
  matching: {rpc: {grpcPort: $((TS_PORT + 2)), membershipPort: $((TS_PORT - 498)), bindOnIP: 127.0.0.1}}
  history: {rpc: {grpcPort: $((TS_PORT + 1)), membershipPort: $((TS_PORT - 499)), bindOnIP: 127.0.0.1}}
  worker: {rpc: {grpcPort: $((TS_PORT + 6)), membershipPort: $((TS_PORT - 494)), bindOnIP: 127.0.0.1}}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: {enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "127.0.0.1:$TS_PORT"}
dcRedirectionPolicy: {policy: noop}
dynamicConfigClient: {filepath: $TS_DIR/config/dynamicconfig.yaml, pollInterval: 10s}
EOF
  } > "$TS_DIR/config/server.yaml.new"
  chmod 600 "$TS_DIR/config/server.yaml.new"
  # What the dev server turns on too: updates (etcdop ops retry) and search attributes visible at once.
  cat > "$TS_DIR/config/dynamicconfig.yaml" <<EOF
frontend.enableUpdateWorkflowExecution: [{value: true}]
frontend.enableUpdateWorkflowExecutionAsyncAccepted: [{value: true}]
system.forceSearchAttributesCacheRefreshOnRead: [{value: true}]
EOF
}

up_temporal_server() {
  ensure_tool temporal; ensure_tool temporal-server
  ts_pki; ts_jwt
  up_postgres
  up_jwks
  write_server_config
  # A server running with another configuration (an older stack's) is restarted.
  if cmp -s "$TS_DIR/config/server.yaml.new" "$TS_DIR/config/server.yaml" && alive temporal-server && healthy_within 20 temporal_server_healthy; then
    rm -f "$TS_DIR/config/server.yaml.new"; up_temporal_ui; return
  fi
  stop temporal-server
  check_port "$TS_PORT" temporal_server
  setup_schema
  mv "$TS_DIR/config/server.yaml.new" "$TS_DIR/config/server.yaml"
  spawn temporal-server "$(tool temporal-server)/temporal-server" --root "$TS_DIR" --config config --env server \
    --allow-no-auth start --service frontend --service internal-frontend --service history --service matching --service worker
  wait_for 90 "Temporal server" temporal_server_healthy
  ts_temporal operator namespace describe --namespace default >/dev/null 2>&1 \
    || ts_temporal operator namespace create --namespace default --retention 72h >/dev/null
  up_temporal_ui
  log "Temporal server (PostgreSQL on 127.0.0.1:$PG_PORT) on 127.0.0.1:$TS_PORT with mTLS (CA $TS_PKI/ca.crt), UI http://127.0.0.1:$TS_UI_PORT"
}

# The web UI for it (http://127.0.0.1:8333, loopback only). It reads through the internal frontend, as
# the server's system workers do: the UI server cannot send a token of its own (a production UI signs
# its users in with OIDC and forwards their tokens, which a local stack has no issuer for).
temporal_ui_healthy() { curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$TS_UI_PORT/"; }
up_temporal_ui() {
  ensure_tool temporal-ui
  if alive temporal-ui && healthy_within 20 temporal_ui_healthy; then return; fi
  stop temporal-ui
  check_port "$TS_UI_PORT" temporal_server_ui
  mkdir -p "$TS_DIR/ui/config"
  cat > "$TS_DIR/ui/config/server.yaml" <<UI
temporalGrpcAddress: 127.0.0.1:$TS_INTERNAL_PORT
port: $TS_UI_PORT
enableUi: true
defaultNamespace: default
cors: {cookieInsecure: true, unsafeAllowAllOrigins: true}
UI
  spawn temporal-ui "$(tool temporal-ui)/temporal-ui-server" --root "$TS_DIR/ui" --config config --env server start
  wait_for 30 "Temporal UI" temporal_ui_healthy
}

down_temporal_server() {
  stop temporal-ui
  stop temporal-server
  stop temporal-jwks
  stop postgres
}

env_temporal_server() {
  echo "export TEMPORAL_ADDRESS=127.0.0.1:$TS_PORT"
  echo "export TEMPORAL_TLS_CLIENT_CERT_PATH=$TS_PKI/client.crt"
  echo "export TEMPORAL_TLS_CLIENT_KEY_PATH=$TS_PKI/client.key"
  echo "export TEMPORAL_TLS_SERVER_CA_CERT_PATH=$TS_PKI/ca.crt"
  [[ -f $TS_PKI/admin.token ]] && echo "export TEMPORAL_API_KEY=$(cat "$TS_PKI/admin.token")"
}

# Pods reach it like the dev server: a relay on the node IP (scripts/stack/node.sh's start_relay).
start_temporal_server_relay() { start_relay temporal-server "$TS_PORT"; }
temporal_server_relay_healthy() { relay_healthy "$TS_PORT"; }
