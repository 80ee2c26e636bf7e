#!/usr/bin/env bash
# npm run start:cluster: the operator installed in the local stack's cluster as users install it
# (the image, kubectl apply -k deploy/overlays/local-stack), then the sample cluster; waits until
# both are Available and `etcdop doctor` is happy. `npm start` is the host-mode alternative: run
# one or the other, not both (each would manage the sample cluster).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/start-common.sh
start_stack
bash scripts/image.sh
kubectl apply --server-side -k deploy/overlays/local-stack
kubectl wait --for=condition=Established crd/etcdclusters.etcd.operator.dev crd/etcdbackups.etcd.operator.dev crd/etcdusers.etcd.operator.dev --timeout=60s >/dev/null
kubectl -n etcd-operator-system rollout status deploy/etcd-operator --timeout=300s
apply_sample_cluster
kubectl wait etcdclusters.etcd.operator.dev/example -n default --for=condition=Available --timeout=300s
node bin/etcdop.js doctor
cat <<MSG

  The operator runs in the cluster (namespace etcd-operator-system, 2 replicas).
  Temporal UI:  http://127.0.0.1:${STACK_TEMPORAL_UI_PORT:-8233}/namespaces/${TEMPORAL_NAMESPACE}/workflows
  In another shell: eval "\$(npm run -s stack:env)"
                    kubectl -n etcd-operator-system get pods
                    kubectl -n etcd-operator-system logs deploy/etcd-operator
                    npx etcdop status example
  Uninstall:        kubectl delete -k deploy/overlays/local-stack   (keeps the CRDs and every cluster)
MSG
