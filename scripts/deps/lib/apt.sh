# Sourced by scripts/deps/*.sh: `apt_ensure LABEL PACKAGE...` installs the Debian packages that are missing,
# idempotently. Fast when everything is present (dpkg look-ups only); `apt-get update` runs only when an install
# fails; other setup scripts may run apt at the same time, so it waits for the dpkg lock instead of failing.
apt_ensure() {
  local label=$1 pkg
  shift
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  echo "$label deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
