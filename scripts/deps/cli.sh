#!/usr/bin/env bash
# Installs what the CLI tests need beyond Node: zsh, so that test/cli/autocomplete.test.ts can check the zsh
# completion in a real zsh on a pseudo-terminal (util-linux `script`, part of Debian's base system).
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
apt_ensure cli zsh
command -v zsh >/dev/null || { echo "cli deps: zsh is not on PATH after installing it" >&2; exit 1; }
echo "cli deps: ok (zsh)" >&2
