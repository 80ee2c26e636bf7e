# Container images for the local node, built from cached static binaries and Debian's busybox
# with umoci/skopeo (no registry, no Docker), then imported into the node's containerd.
# Sourced by scripts/stack/node.sh.

IMAGE_REPO=etcd-operator.local
PAUSE_IMAGE=$IMAGE_REPO/pause:1.0
BUSYBOX_IMAGE=$IMAGE_REPO/busybox:1.35
etcd_image() { echo "$IMAGE_REPO/etcd:$1"; }

# A rootfs with a static busybox as /bin/sh and the usual applets.
busybox_rootfs() {
  local root=$1
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/var/lib" "$root/usr/local/bin"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
}

# oci_image <name:tag> <out.tar> <rootfs dir> <layout dir> <umoci config args...>: the rootfs as one
# layer with that config, kept as an OCI layout in <layout dir>/oci and written to <out.tar> as a
# docker-archive (what `ctr images import` takes). Also used by scripts/image.sh (the operator).
oci_image() {
  local ref=$1 out=$2 rootfs=$3 layout=$4; shift 4
  local tag=${ref##*:}
  umoci init --layout "$layout/oci"
  umoci new --image "$layout/oci:$tag"
  umoci insert --image "$layout/oci:$tag" "$rootfs" /
  umoci config --image "$layout/oci:$tag" --os linux --architecture amd64 "$@"
  rm -f "$out"
  skopeo --insecure-policy copy -q "oci:$layout/oci:$tag" "docker-archive:$out:$ref"
}

# build_image <name:tag> <out.tar> <rootfs dir> <cmd...>
build_image() {
  local ref=$1 out=$2 rootfs=$3; shift 3
  local layout; layout=$(mktemp -d)
  local cmdargs=() c
  for c in "$@"; do cmdargs+=(--config.cmd "$c"); done
  oci_image "$ref" "$out" "$rootfs" "$layout" "${cmdargs[@]}" --config.env PATH=/usr/local/bin:/bin
  rm -rf "$layout"
}

# images_dir: cache of the tarballs, keyed by every input version.
images_dir() { echo "$CACHE/images-pause1.0-busybox-etcd${ETCD35_VERSION}-${ETCD36_VERSION}"; }

build_images() {
  local dir; dir=$(images_dir)
  [[ -f $dir/.ok ]] && return 0
  command -v umoci >/dev/null && command -v skopeo >/dev/null && [[ -x /bin/busybox ]] \
    || die "umoci, skopeo and busybox-static are needed to build images: run scripts/setup.sh"
  local t0=$SECONDS tmp; tmp=$(mktemp -d)
  mkdir -p "$dir"
  log "building container images into $dir"

  mkdir -p "$tmp/pause"
  (cd "$ROOT/scripts/stack/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags "-s -w" -o "$tmp/pause/pause" .)
  build_image "$PAUSE_IMAGE" "$dir/pause.tar" "$tmp/pause" /pause

  busybox_rootfs "$tmp/busybox"
  build_image "$BUSYBOX_IMAGE" "$dir/busybox.tar" "$tmp/busybox" /bin/sh

  local v tool
  for tool in etcd35 etcd36; do
    v=$([[ $tool == etcd35 ]] && echo "$ETCD35_VERSION" || echo "$ETCD36_VERSION")
    ensure_tool "$tool"
    rm -rf "$tmp/etcd"; busybox_rootfs "$tmp/etcd"
    mkdir -p "$tmp/etcd/var/lib/etcd"
    cp "$(tool "$tool")"/{etcd,etcdctl,etcdutl} "$tmp/etcd/usr/local/bin/"
    build_image "$(etcd_image "$v")" "$dir/etcd-$v.tar" "$tmp/etcd" /usr/local/bin/etcd
  done
  rm -rf "$tmp"
  printf '{"buildSeconds":%d}\n' $((SECONDS - t0)) > "$dir/.ok"
  log "images built in $((SECONDS - t0))s"
}

# import_images: load every tarball containerd does not have yet (k8s.io namespace, for the CRI).
import_images() {
  local dir have; dir=$(images_dir)
  have=$(ctr_ images ls -q)
  local ref tar
  for pair in "$PAUSE_IMAGE=pause.tar" "$BUSYBOX_IMAGE=busybox.tar" \
              "$(etcd_image "$ETCD35_VERSION")=etcd-$ETCD35_VERSION.tar" "$(etcd_image "$ETCD36_VERSION")=etcd-$ETCD36_VERSION.tar"; do
    ref=${pair%%=*}; tar=${pair#*=}
    grep -qxF "$ref" <<< "$have" || ctr_ images import "$dir/$tar" >/dev/null
  done
}
