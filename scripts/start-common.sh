# What `npm start` (scripts/main.sh) and `npm run start:cluster` (scripts/start-cluster.sh) share.
# Sourced from the repository root.

# Set up the machine, bring the local stack up, and load its environment into this shell.
start_stack() {
  bash scripts/setup.sh
  bash scripts/stack.sh up
  eval "$(bash scripts/stack.sh env)"
}

# The sample cluster, backing up to the stack's S3 server with these credentials (a Secret, as in production).
apply_sample_cluster() {
  kubectl create secret generic s3-creds -n default --from-literal=accessKeyId="$AWS_ACCESS_KEY_ID" \
    --from-literal=secretAccessKey="$AWS_SECRET_ACCESS_KEY" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl apply -f examples/etcd-cluster.yaml
}
