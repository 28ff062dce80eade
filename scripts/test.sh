#!/usr/bin/env bash
# The README's test command (`npm test`): installs the real servers the tests use when they are missing
# (Debian packages: Prometheus, Chromium, wrk, Docker, ...), then runs the whole vitest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
for deps in scripts/deps/*.sh; do
  [ -e "$deps" ] || continue
  echo "== $deps" >&2
  bash "$deps"
done
exec npx vitest run "$@"
