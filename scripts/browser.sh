#!/usr/bin/env bash
# Headless Chromium for the Temporal UI test (Debian's package). Idempotent.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
[[ $(id -u) == 0 ]] || { echo "browser: need root to apt-get install chromium" >&2; exit 1; }
echo "browser: installing chromium" >&2
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
