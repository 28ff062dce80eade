#!/usr/bin/env bash
# Installs what the DVC-compatibility tests (test/pipeline/dvc-c-loader.test.ts) need, idempotently: Debian's
# ruamel.yaml with its C extension (ruamel.yaml.clib), the loader DVC reads params.yaml with in most installs.
# Fast when everything is present (dpkg look-ups only); `apt-get update` runs only when an install fails.
set -euo pipefail

packages=(python3-ruamel.yaml python3-ruamel.yaml.clib)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "dvc deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Other setup scripts may run apt at the same time: wait for the dpkg lock instead of failing.
  apt_install() { apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"; }
  if ! apt_install "${missing[@]}" >/dev/null 2>&1; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt_install "${missing[@]}" >/dev/null
  fi
fi

# Debian's python3 (not a pyenv one earlier on PATH) must import the C loader.
/usr/bin/python3 -c 'import _ruamel_yaml, ruamel.yaml' || { echo "dvc deps: /usr/bin/python3 cannot import ruamel.yaml's C loader after installing ${packages[*]}" >&2; exit 1; }
echo "dvc deps: ok (ruamel.yaml $(/usr/bin/python3 -c 'import ruamel.yaml; print(ruamel.yaml.__version__)') with ruamel.yaml.clib)" >&2
