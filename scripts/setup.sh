#!/usr/bin/env bash
# One-time machine setup: Debian packages the stack needs, and node modules. Idempotent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKGS=(containerd runc containernetworking-plugins iptables conntrack busybox-static umoci skopeo socat openssl curl iproute2 postgresql)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}" >&2
  [[ $(id -u) == 0 ]] || { echo "setup: need root to apt-get install ${missing[*]}" >&2; exit 1; }
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "setup: Go is not installed; install Go >= 1.25 and retry" >&2; exit 1; }
cd "$ROOT"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then npm ci --no-audit --no-fund; fi
