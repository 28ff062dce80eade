#!/usr/bin/env bash
# Installs what the ship tests (test/image, test/cloud, test/k8s) need, idempotently: a Docker engine,
# busybox for the locally made base image, a registry standing in for ECR (with htpasswd + skopeo),
# Prometheus/promtool, and jq (the CD workflow's build and push steps, which test/image/cd.test.ts runs, read
# sentiops' --json output with it). moto_server (the AWS API emulator) cannot be installed here: it must be on PATH.
set -euo pipefail

packages=(docker.io containerd runc busybox-static docker-registry apache2-utils skopeo prometheus jq git)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "ship deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Only refresh the package lists when apt cannot find a package as it is.
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "ship deps: all present" >&2
fi

# The Debian packages start nothing here (no systemd); make sure no packaged registry is left listening.
for tool in dockerd docker-registry prometheus promtool htpasswd skopeo busybox jq git; do
  command -v "$tool" >/dev/null || { echo "ship deps: $tool is not on PATH after install" >&2; exit 1; }
done

if ! command -v moto_server >/dev/null; then
  echo "ship deps: moto_server is not on PATH; it cannot be installed here (no PyPI). The cloud tests need it." >&2
  exit 1
fi
echo "ship deps: ok" >&2
