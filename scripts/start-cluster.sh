#!/usr/bin/env bash
# npm run start:cluster: the operator installed in the local stack's cluster as users install it
# (the image, kubectl apply -k deploy/overlays/local-stack), then the sample cluster; waits until
# both are Available and `etcdop doctor` is happy. `npm start` is the host-mode alternative: run
# one or the other, not both (each would manage the sample cluster).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env)"
bash scripts/image.sh
kubectl apply --server-side -k deploy/overlays/local-stack
kubectl wait --for=condition=Established crd/etcdclusters.etcd.operator.dev crd/etcdbackups.etcd.operator.dev crd/etcdusers.etcd.operator.dev --timeout=60s >/dev/null
kubectl -n etcd-operator-system rollout status deploy/etcd-operator --timeout=300s
# The sample cluster backs up to the stack's S3 server with these credentials (a Secret, as in production).
kubectl create secret generic s3-creds -n default --from-literal=accessKeyId="$AWS_ACCESS_KEY_ID" \
  --from-literal=secretAccessKey="$AWS_SECRET_ACCESS_KEY" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f examples/etcd-cluster.yaml
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
