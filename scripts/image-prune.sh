#!/usr/bin/env bash
# scripts/image-prune.sh <node_modules dir> [x86_64|aarch64]
# Drops from a production node_modules (npm ci --omit=dev) what the operator's image never loads:
# a linux/glibc runtime of one architecture (default: uname -m) that runs compiled JavaScript.
# Shared by scripts/image.sh and the Dockerfile, so both images hold the same files.
#   - @temporalio/core-bridge: the prebuilt index.node of the other platforms (~110 MB) and the
#     Rust sources it ships (sdk-core, src, ...); only releases/<arch>-unknown-linux-gnu is loaded.
#   - native packages built for musl (the image is glibc).
#   - @swc/core's native compiler (~10 MB): only the workflow bundler loads it, and the image always
#     runs the prebuilt bundle (ETCD_OPERATOR_WORKFLOW_BUNDLE; the workflows' .ts sources are not in
#     the image, so it could not bundle them anyway).
#   - source maps, TypeScript sources and declarations (node never loads .ts from node_modules),
#     and markdown docs (README, CHANGELOG, ...). License and notice files stay.
# Needs only bash and GNU find/du (Debian slim has both).
set -euo pipefail

nm=${1:?usage: scripts/image-prune.sh <node_modules dir> [x86_64|aarch64]}
arch=${2:-$(uname -m)}
[[ -d $nm ]] || { echo "image-prune: no directory $nm" >&2; exit 1; }
before=$(du -sk "$nm" | cut -f1)

bridge=$nm/@temporalio/core-bridge
if [[ -d $bridge ]]; then
  keep=$arch-unknown-linux-gnu
  [[ -f $bridge/releases/$keep/index.node ]] \
    || { echo "image-prune: $bridge/releases/$keep/index.node missing: nothing would load" >&2; exit 1; }
  find "$bridge/releases" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +
  rm -rf "$bridge/sdk-core" "$bridge/src" "$bridge/bridge-macros" "$bridge/scripts" "$bridge/ts" \
    "$bridge/Cargo.toml" "$bridge/Cargo.lock"
fi

find "$nm" -mindepth 1 -maxdepth 2 -type d -name '*-linux-*-musl*' -prune -exec rm -rf {} +
rm -rf "$nm"/@swc/core-*-*

find "$nm" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
  -o \( \( -iname '*.md' -o -iname '*.markdown' \) ! -iname 'licen[cs]e*' ! -iname 'notice*' \) \) -delete

after=$(du -sk "$nm" | cut -f1)
echo "image-prune: $nm: $((before / 1024)) MiB -> $((after / 1024)) MiB" >&2
