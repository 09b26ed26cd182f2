#!/usr/bin/env bash
# deps.sh: install the Debian packages kassa needs, only when some are missing.
#
#   scripts/deps.sh          build and test dependencies (what `make test` needs)
#   scripts/deps.sh --all    also the browser-test and benchmark tools
#
# Fast no-op when everything is installed (one dpkg-query). Runs apt-get as
# root, or through sudo when not root and sudo exists.
set -euo pipefail

core=(
    build-essential meson ninja-build pkg-config clang clang-format
    libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libssl-dev
    libsqlite3-dev libpq-dev libqrencode-dev libcmocka-dev
    python3 python3-pytest curl openssl postgresql
)
# Browser tests (chromium, nodejs, npm) and benchmarks (wrk, nginx).
extra=(chromium nodejs npm wrk nginx)

want=("${core[@]}")
case "${1:-}" in
    --all) want+=("${extra[@]}") ;;
    "") ;;
    *) echo "usage: $0 [--all]" >&2; exit 2 ;;
esac

# Installed packages among those wanted, one per line.
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${want[@]}" 2>/dev/null |
    awk '$1 == "ii" { print $2 }' || true)
missing=()
for p in "${want[@]}"; do
    grep -qx -- "$p" <<<"$installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}"
