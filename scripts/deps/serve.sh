#!/usr/bin/env bash
# Installs what the serve tests (test/serve) need, idempotently: Prometheus + promtool (scrape and lint the
# real /metrics), Debian's Chromium (driven headless by playwright-core) and wrk (load).
# With --bench it also installs what bench/serve.ts compares against: the Flask/gunicorn + scikit-learn
# baselines of ../shared/bench and hyperfine.
# Fast when everything is present (dpkg look-ups only); `apt-get update` runs only when an install fails.
set -euo pipefail

packages=(prometheus chromium wrk)
tools=(prometheus promtool chromium wrk)
if [[ ${1:-} == --bench ]]; then
  packages+=(gunicorn python3-flask python3-sklearn python3-pandas hyperfine)
  tools+=(gunicorn hyperfine)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "serve deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Other setup scripts may run apt at the same time: wait for the dpkg lock instead of failing.
  apt_install() { apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"; }
  if ! apt_install "${missing[@]}" >/dev/null 2>&1; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt_install "${missing[@]}" >/dev/null
  fi
fi

for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "serve deps: $tool is not on PATH after installing ${packages[*]}" >&2; exit 1; }
done
echo "serve deps: ok (${tools[*]})" >&2
