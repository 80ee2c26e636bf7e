#!/usr/bin/env bash
# Builds the pinned real-server toolchain from Go modules and caches it outside the repo.
#   scripts/tools.sh [all|base|node|server|temporal|temporal-server|temporal-ui|etcd|versitygw|kube|coredns]...   (default: all)
#   scripts/tools.sh path <tool>      prints the bin dir of a cached tool (builds nothing)
#   scripts/tools.sh list             prints JSON of cached tools
# Cache: ${ETCD_OPERATOR_CACHE:-$HOME/.cache/etcd-operator}/<tool>-<version>/bin, stamped by .ok
set -euo pipefail

. "$(dirname "$0")/versions.sh"
CACHE=${ETCD_OPERATOR_CACHE:-$HOME/.cache/etcd-operator}
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

die() { echo "tools: $*" >&2; exit 1; }
log() { echo "tools: $*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed: install Go >= 1.25 (apt-get install golang or from the Go module proxy's toolchain) and retry"
}

# build <name> <version> <fn>: runs fn <outdir> once, records how long it took.
build() {
  local name=$1 version=$2 fn=$3
  local dir="$CACHE/$name-$version"
  if [[ -f "$dir/.ok" ]]; then log "$name $version cached at $dir/bin"; return 0; fi
  need_go
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/bin" "$CACHE/src"
  log "building $name $version (this can take a while on a cold cache)"
  local t0=$SECONDS
  if ! "$fn" "$dir.tmp/bin" > "$CACHE/src/$name-$version.log" 2>&1; then
    tail -n 20 "$CACHE/src/$name-$version.log" >&2
    die "build of $name $version failed; full log: $CACHE/src/$name-$version.log"
  fi
  local secs=$((SECONDS - t0))
  printf '{"name":"%s","version":"%s","buildSeconds":%d}\n' "$name" "$version" "$secs" > "$dir.tmp/.ok"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
  log "built $name $version in ${secs}s -> $dir/bin"
}

# wrapper <dir> <module lines...>: a scratch module that requires released versions.
wrapper() {
  local dir=$1; shift
  rm -rf "$dir"; mkdir -p "$dir"
  { echo "module wrapper"; echo; echo "go 1.25"; printf '%s\n' "$@"; } > "$dir/go.mod"
}

build_temporal() {
  local out=$1
  # v1.5.x has no local replace, so a plain install works; newer tags need an unpublished cliext module.
  GOBIN="$out" go install -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

# The Temporal server and its SQL schema tool (temporal-sql-tool), from the server's module.
build_temporal_server() {
  local out=$1
  GOBIN="$out" go install -ldflags "-s -w" "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION"
  mv "$out/server" "$out/temporal-server"
  GOBIN="$out" go install -ldflags "-s -w" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  mv "$out/sql" "$out/temporal-sql-tool"
  # The schema files the SQL tool applies ship in the module, not in the binaries.
  local mod; mod=$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION
  mkdir -p "$out/../schema"; cp -r "$mod/schema/postgresql" "$out/../schema/"; chmod -R u+w "$out/../schema"
}

# The Temporal web UI server; its module carries the built UI.
build_temporal_ui() {
  GOBIN="$1" go install -ldflags "-s -w" "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION"
  mv "$1/server" "$1/temporal-ui-server"
}

build_etcd_version() {
  local version=$1 out=$2 src="$CACHE/src/etcd-$version"
  wrapper "$src" "require (" \
    "  go.etcd.io/etcd/server/v3 $version" "  go.etcd.io/etcd/etcdctl/v3 $version" \
    "  go.etcd.io/etcd/etcdutl/v3 $version" ")"
  cd "$src"
  go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
  go build -trimpath -ldflags "-s -w" -o "$out/etcdctl" go.etcd.io/etcd/etcdctl/v3
  go build -trimpath -ldflags "-s -w" -o "$out/etcdutl" go.etcd.io/etcd/etcdutl/v3
}
build_etcd35() { build_etcd_version "$ETCD35_VERSION" "$1"; }
build_etcd36() { build_etcd_version "$ETCD36_VERSION" "$1"; }

build_versitygw() {
  GOBIN="$1" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
}

build_coredns() {
  GOBIN="$1" go install "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_kube() {
  local out=$1 v=$KUBE_VERSION src="$CACHE/src/kube-$KUBE_VERSION"
  local staging="v0.${v#v1.}"
  rm -rf "$src"; mkdir -p "$src"; cd "$src"
  # Take kubernetes' own requirements, point every ./staging replace at the published v0.X.Y.
  go mod download -json "k8s.io/kubernetes@$v" > dl.json
  local gomod; gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' dl.json)
  sed -e 's#^module k8s.io/kubernetes#module wrapper#' \
      -e "s#=> ./staging/src/\(k8s.io/[a-z0-9-]*\)#=> \1 $staging#" \
      -e '/^godebug/d' "$gomod" > go.mod
  printf '\nrequire k8s.io/kubernetes %s\n' "$v" >> go.mod
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$v" | cut -d. -f2)"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  go build -trimpath -ldflags "$ld" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
}

build_provisioner() {
  GOBIN="$1" go install "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION"
}

tool_dir() {
  case $1 in
    temporal) echo "$CACHE/temporal-$TEMPORAL_CLI_VERSION/bin" ;;
    temporal-server) echo "$CACHE/temporal-server-$TEMPORAL_SERVER_VERSION/bin" ;;
    temporal-ui) echo "$CACHE/temporal-ui-$TEMPORAL_UI_SERVER_VERSION/bin" ;;
    etcd35) echo "$CACHE/etcd-$ETCD35_VERSION/bin" ;;
    etcd36) echo "$CACHE/etcd-$ETCD36_VERSION/bin" ;;
    versitygw) echo "$CACHE/versitygw-$VERSITYGW_VERSION/bin" ;;
    coredns) echo "$CACHE/coredns-$COREDNS_VERSION/bin" ;;
    kube) echo "$CACHE/kube-$KUBE_VERSION/bin" ;;
    provisioner) echo "$CACHE/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION/bin" ;;
    *) die "unknown tool '$1' (known: temporal temporal-server temporal-ui etcd35 etcd36 versitygw coredns kube provisioner)" ;;
  esac
}

list() {
  local first=1
  printf '['
  for t in temporal temporal-server temporal-ui etcd35 etcd36 versitygw coredns kube provisioner; do
    local d; d=$(tool_dir "$t"); local ok="$d/../.ok"
    [[ $first == 1 ]] || printf ','; first=0
    if [[ -f $ok ]]; then
      printf '{"tool":"%s","cached":true,"path":"%s","build":%s}' "$t" "$d" "$(cat "$ok")"
    else
      printf '{"tool":"%s","cached":false,"path":"%s"}' "$t" "$d"
    fi
  done
  printf ']\n'
}

run() {
  case $1 in
    temporal) build temporal "$TEMPORAL_CLI_VERSION" build_temporal ;;
    temporal-server) build temporal-server "$TEMPORAL_SERVER_VERSION" build_temporal_server ;;
    temporal-ui) build temporal-ui "$TEMPORAL_UI_SERVER_VERSION" build_temporal_ui ;;
    etcd35) build etcd "$ETCD35_VERSION" build_etcd35 ;;
    etcd36) build etcd "$ETCD36_VERSION" build_etcd36 ;;
    etcd) run etcd35; run etcd36 ;;
    versitygw) build versitygw "$VERSITYGW_VERSION" build_versitygw ;;
    coredns) build coredns "$COREDNS_VERSION" build_coredns ;;
    kube) build kube "$KUBE_VERSION" build_kube ;;
    provisioner) build local-path-provisioner "$LOCAL_PATH_PROVISIONER_VERSION" build_provisioner ;;
    base) run temporal; run etcd; run versitygw ;;
    node) run coredns; run provisioner; run kube ;;
    server) run temporal-server; run temporal-ui ;;
    all) run base; run node; run server ;;
    *) die "unknown target '$1' (use: all base node server temporal temporal-server temporal-ui etcd etcd35 etcd36 versitygw coredns kube provisioner)" ;;
  esac
}

case ${1:-all} in
  path) tool_dir "${2:?tool}" ;;
  list) list ;;
  *) for t in "${@:-all}"; do (run "$t"); done ;;
esac
