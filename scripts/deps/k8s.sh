#!/usr/bin/env bash
# Installs what the real Kubernetes control plane of ../shared/tools/k8s needs (test/k8s/deploy-apiserver.test.ts),
# idempotently: etcd (Debian etcd-server), openssl and curl for up.sh, xz-utils to unpack the binaries.
# kubectl 1.32 is preinstalled on these machines; the tests skip with a reason when ../shared is absent.
set -euo pipefail

packages=(etcd-server openssl curl xz-utils)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "k8s deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Only refresh the package lists when apt cannot find a package as it is.
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "k8s deps: all present" >&2
fi

# Nothing starts etcd here (no systemd): each test file's up.sh runs its own on free loopback ports.
command -v etcd >/dev/null || { echo "k8s deps: etcd is not on PATH after install" >&2; exit 1; }
command -v kubectl >/dev/null || echo "k8s deps: kubectl is not on PATH; the real-apiserver tests will skip" >&2
echo "k8s deps: ok" >&2
