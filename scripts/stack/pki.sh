# Certificates and kubeconfigs for the local node, made with openssl. Sourced by scripts/stack/node.sh.
# One CA signs everything; the service-account key pair is separate. Files live under $PKI.

# cert <name> <CN> <O or -> <usage: client|server|both> [SAN list]
cert() {
  local name=$1 cn=$2 org=$3 usage=$4 sans=${5:-}
  [[ -f $PKI/$name.crt ]] && return 0
  local subj="/CN=$cn"; [[ $org != - ]] && subj="/O=$org$subj"
  local eku=clientAuth
  case $usage in server) eku=serverAuth ;; both) eku="serverAuth,clientAuth" ;; esac
  local ext="$PKI/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } > "$ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
  chmod 600 "$PKI/$name.key"
}

# kubeconfig <file> <cert name> : a kubeconfig with embedded client cert for the local apiserver.
kubeconfig() {
  local file=$1 name=$2
  [[ -f $file ]] && return 0
  cat > "$file" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://$NODE_IP:6443
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 < "$PKI/$name.crt")
    client-key-data: $(base64 -w0 < "$PKI/$name.key")
contexts:
- name: local
  context: {cluster: local, user: $name}
current-context: local
KC
  chmod 600 "$file"
}

make_pki() {
  mkdir -p "$PKI"
  if [[ ! -f $PKI/ca.crt ]]; then
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -days 3650 \
      -subj "/CN=etcd-operator-local-ca" -out "$PKI/ca.crt" 2>/dev/null
  fi
  [[ -f $PKI/sa.key ]] || { openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null; openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  cert apiserver kube-apiserver - server \
    "IP:$NODE_IP,IP:127.0.0.1,IP:$KUBERNETES_SVC_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters client
  cert admin admin system:masters client
  cert controller-manager system:kube-controller-manager - client
  cert scheduler system:kube-scheduler - client
  cert kubelet "system:node:$NODE_NAME" system:nodes client
  cert kubelet-serving "$NODE_NAME" - server "IP:$NODE_IP,DNS:$NODE_NAME"
  cert kube-proxy system:kube-proxy - client
  cert coredns coredns - client
  cert provisioner local-path-provisioner - client
  local n
  for n in admin controller-manager scheduler kubelet kube-proxy coredns provisioner; do kubeconfig "$PKI/$n.kubeconfig" "$n"; done
}
