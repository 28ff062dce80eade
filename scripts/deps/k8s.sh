#!/usr/bin/env bash
# Installs what the real Kubernetes control plane of ../shared/tools/k8s needs (test/k8s/deploy-apiserver.test.ts):
# etcd (Debian etcd-server), openssl and curl for up.sh, xz-utils to unpack the binaries.
# kubectl 1.32 is preinstalled on these machines; the tests skip with a reason when ../shared is absent.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
apt_ensure k8s etcd-server openssl curl xz-utils
# Nothing starts etcd here (no systemd): each test file's up.sh runs its own on free loopback ports.
command -v etcd >/dev/null || { echo "k8s deps: etcd is not on PATH after install" >&2; exit 1; }
command -v kubectl >/dev/null || echo "k8s deps: kubectl is not on PATH; the real-apiserver tests will skip" >&2
echo "k8s deps: ok" >&2
