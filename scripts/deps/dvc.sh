#!/usr/bin/env bash
# Installs what the DVC-compatibility tests (test/pipeline/dvc-c-loader.test.ts) need: Debian's ruamel.yaml with
# its C extension (ruamel.yaml.clib), the loader DVC reads params.yaml with in most installs.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
apt_ensure dvc python3-ruamel.yaml python3-ruamel.yaml.clib
# Debian's python3 (not a pyenv one earlier on PATH) must import the C loader.
/usr/bin/python3 -c 'import _ruamel_yaml, ruamel.yaml' || { echo "dvc deps: /usr/bin/python3 cannot import ruamel.yaml's C loader" >&2; exit 1; }
echo "dvc deps: ok (ruamel.yaml $(/usr/bin/python3 -c 'import ruamel.yaml; print(ruamel.yaml.__version__)') with ruamel.yaml.clib)" >&2
