#!/usr/bin/env bash
# The main job (README): set up, bring up the local stack unless KUBECONFIG/TEMPORAL_ADDRESS point
# elsewhere, install the CRDs, create the sample cluster, and run the operator in the foreground.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/start-common.sh
start_stack
kubectl apply --server-side --field-manager=etcd-operator -f deploy/crds/ >/dev/null
kubectl wait --for=condition=Established crd/etcdclusters.etcd.operator.dev crd/etcdbackups.etcd.operator.dev --timeout=60s >/dev/null
apply_sample_cluster
cat <<MSG

  etcd operator starting (Ctrl-C stops it; operations resume on the next start).
  Temporal UI:     http://127.0.0.1:${STACK_TEMPORAL_UI_PORT:-8233}/namespaces/${TEMPORAL_NAMESPACE}/workflows   (Temporal at $TEMPORAL_ADDRESS)
  In another shell: eval "\$(npm run -s stack:env)"
                    kubectl get etcd -w
                    etcdop status example          (or: kubectl etcd status example)
                    etcdop ops list
                    etcdop backup example --wait && etcdop backups list

MSG
# Production mode: the operator and the CLI compiled (dist/), and the worker loads the prebuilt
# workflow bundle instead of running webpack.
npm run -s build
export ETCD_OPERATOR_WORKFLOW_BUNDLE="$ROOT/dist/workflow-bundle.js"
# As in the image (worker/runtime-env.ts says why): read by node and glibc at start.
export MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072 NODE_OPTIONS="--max-semi-space-size=2${NODE_OPTIONS:+ $NODE_OPTIONS}"
exec node "$ROOT/bin/etcdop.js" run
