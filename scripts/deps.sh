#!/usr/bin/env bash
# deps.sh: install the Debian packages kassa needs, only when some are missing.
#
#   scripts/deps.sh run       build and run kassad (what `make run` needs)
#   scripts/deps.sh [test]    also the tests, the browser test's tools included
#                             (what `make test` needs; the default)
#   scripts/deps.sh browser   only the browser test's tools (node, npm, chromium)
#   scripts/deps.sh bench     only the benchmark's tools (wrk, nginx; bench/run)
#   scripts/deps.sh --all     test + bench
#   scripts/deps.sh --list [SET]   print the packages SET would ask apt for
#   scripts/deps.sh --check        fail unless everything these scripts may
#                                  install (the --all set) installs together here
#
# A tool (chromium, node, npm, wrk, nginx) already on the machine, from any
# source, is used as it is and its Debian package is never asked for: Debian's
# nodejs only where there is no node at all, Debian's npm only where there is
# no npm and it installs beside the node that is there without replacing it
# (NodeSource's nodejs ships its own npm and conflicts with Debian's).
# Before installing, apt-get simulates the install: a set that would remove or
# replace an installed package, or cannot be installed, is refused with apt's
# reason instead of being handed to apt for real.
#
# Fast no-op when everything is installed (one dpkg-query). Runs apt-get as
# root, or through sudo when not root and sudo exists.
set -euo pipefail

# Building and running kassad (libjs-chart.js: the console's charts, served
# by kassad from Debian's file).
run_pkgs=(
    build-essential meson ninja-build pkg-config
    libmicrohttpd-dev libgnutls28-dev libjansson-dev libcurl4-openssl-dev libssl-dev
    libsqlite3-dev libpq-dev libqrencode-dev zlib1g-dev
    python3 curl openssl libjs-chart.js
)
# The tests on top: unit tests, format check, the clang build, end-to-end
# suite on PostgreSQL and its check of kassad's answers against the OpenAPI
# documents (python3-jsonschema), the fuzz targets (libFuzzer is in libclang-rt-14-dev,
# only a recommendation of clang). The sanitizers' runtimes (libasan8, libubsan1,
# libtsan2) come with gcc-12 through build-essential. prometheus for its
# promtool, which checks GET /metrics's text (tests/e2e/test_metrics.py);
# python3-jsonschema checks every answer against docs/openapi/.
test_pkgs=(clang libclang-rt-14-dev clang-format libcmocka-dev python3-pytest python3-jsonschema
    postgresql prometheus)
# Tools found by their command; each Debian package only where the command is
# missing. node and npm follow the node rule (node_tools below).
browser_tools=("${CHROMIUM:-/usr/bin/chromium}:chromium")
bench_tools=(wrk:wrk nginx:nginx)

# have COMMAND: COMMAND is on PATH, in /usr/sbin (not on a user's PATH), or
# is an executable path.
have() {
    case "$1" in
        /*) [ -x "$1" ] ;;
        *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ;;
    esac
}

# tools CMD:PKG...: the packages whose command is missing.
tools() {
    local t
    for t in "$@"; do
        have "${t%%:*}" || echo "${t#*:}"
    done
}

# The node rule: the node and npm on the machine, whatever their source, are
# used. Debian's nodejs only where there is no node; Debian's npm where there
# is no npm (the simulation before any install refuses it where it would
# replace the node that is there, as beside NodeSource's nodejs).
node_tools() {
    have node || echo nodejs
    have npm || echo npm
}

# packages SET: the packages SET asks apt for, one per line.
packages() {
    case "$1" in
        run) printf '%s\n' "${run_pkgs[@]}" ;;
        browser) tools "${browser_tools[@]}"; node_tools ;;
        bench) tools "${bench_tools[@]}" ;;
        test) packages run; printf '%s\n' "${test_pkgs[@]}"; packages browser ;;
        all) packages test; packages bench ;;
        *) echo "usage: $0 [run|test|browser|bench|--all|--list [SET]|--check]" >&2; exit 2 ;;
    esac
}

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    sudo=(false)
fi
export DEBIAN_FRONTEND=noninteractive

apt_update() {
    echo "deps: apt-get update" >&2
    "${sudo[@]}" apt-get update -q || {
        echo "deps: apt-get update failed (run as root, or install sudo)" >&2
        exit 1
    }
}

# simulate PKG...: `apt-get install -s` of PKG; prints apt's output, fails
# when apt cannot install them together (a conflict with an installed
# package, say), would remove an installed package, or would install Debian's
# nodejs beside another node.
simulate() {
    local out rc=0
    out=$(LC_ALL=C apt-get install -s -q --no-install-recommends "$@" 2>&1) || rc=$?
    printf '%s\n' "$out"
    [ "$rc" -eq 0 ] || return 1
    if grep -q '^Remv ' <<<"$out"; then
        echo "deps: this would remove installed packages: $(awk '/^Remv /{printf "%s ", $2}' <<<"$out")"
        return 1
    fi
    if grep -q '^Inst nodejs ' <<<"$out" && have node; then
        echo "deps: this would install Debian's nodejs beside the node at $(command -v node)"
        return 1
    fi
}

# check_together PKG...: simulate, updating apt's lists first when they do
# not know a package (a fresh machine's lists may be empty).
check_together() {
    local out
    if out=$(simulate "$@"); then
        return 0
    fi
    if grep -qE 'Unable to locate package|has no installation candidate' <<<"$out"; then
        apt_update
        out=$(simulate "$@") && return 0
    fi
    # apt's reason, without the lines about what is fine.
    printf '%s\n' "$out" | grep -vE '^(Inst|Conf) |^(Reading|Building) |is already the newest|set to manually installed|^NOTE: This is only a simulation|^ *apt-get needs root|^ *Keep also in mind|^ *so don.t depend on the relevance' >&2
    return 1
}

set_name="test"
mode=install
case "${1:-}" in
    --all) set_name=all ;;
    --list) mode=list; set_name=${2:-test} ;;
    --check) mode=check; set_name=all ;;
    "") ;;
    *) set_name=$1 ;;
esac
case "$set_name" in
    run | test | browser | bench | all) ;;
    *) packages "$set_name" ;; # prints the usage and exits 2
esac
mapfile -t want < <(packages "$set_name" | awk '!seen[$0]++')

case "$mode" in
    list)
        printf '%s\n' "${want[@]}"
        exit 0
        ;;
    check)
        if check_together "${want[@]}" >/dev/null; then
            echo "deps: everything the scripts may install installs together here: ${want[*]}"
            exit 0
        fi
        echo "deps: FAILED: what the scripts may install (${want[*]}) cannot be installed together on this machine" >&2
        exit 1
        ;;
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
if [ "${sudo[0]:-}" = false ]; then
    echo "deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
fi
# Fresh lists before the first install (they may be empty, or old).
apt_update
if ! check_together "${missing[@]}" >/dev/null; then
    echo "deps: not installing ${missing[*]}: apt cannot install them beside what is installed (above)" >&2
    if printf '%s\n' "${missing[@]}" | grep -qx npm && have node; then
        echo "deps: node is $(command -v node) ($(node --version 2>/dev/null || echo '?')) without npm;" \
            "install npm from where that node came from" >&2
    fi
    exit 1
fi
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
