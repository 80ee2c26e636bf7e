# Pinned versions of the real-server toolchain (sourced by scripts/*.sh).
TEMPORAL_CLI_VERSION=v1.5.1
# The Temporal server itself (STACK_TEMPORAL=server), the version the CLI's dev server embeds.
TEMPORAL_SERVER_VERSION=v1.29.1
# Its web UI (the newest release that builds with this machine's Go).
TEMPORAL_UI_SERVER_VERSION=v2.42.1
ETCD35_VERSION=v3.5.35
ETCD36_VERSION=v3.6.16
VERSITYGW_VERSION=v1.8.0
COREDNS_VERSION=v1.14.7
KUBE_VERSION=v1.33.13
LOCAL_PATH_PROVISIONER_VERSION=v0.0.30
