#!/usr/bin/env bash
# setup.sh: install playwright-core (npm) into tests/browser/node_modules for
# the browser test, and check Debian's chromium is there. The browser itself
# is never downloaded: the test drives /usr/bin/chromium (or $CHROMIUM).
#
# A fast no-op (and works offline) when the pinned version is installed.
set -euo pipefail
cd "$(dirname "$0")"

# node, npm and chromium are Debian packages: deps.sh --all installs the
# missing ones (a no-op when all are there).
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 ||
    [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    ../../scripts/deps.sh --all
fi

want=$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' package.json)
have=$(node -e 'try{console.log(require("./node_modules/playwright-core/package.json").version)}catch(e){}' 2>/dev/null || true)
if [ -n "$want" ] && [ "$have" = "$want" ]; then
    echo "browser: playwright-core $have already installed"
else
    if ! command -v npm >/dev/null 2>&1; then
        echo "browser: npm is missing (apt-get install nodejs npm, or scripts/deps.sh --all)" >&2
        exit 1
    fi
    echo "browser: installing playwright-core $want"
    # The lock file pins the exact tarball; --ignore-scripts: playwright-core
    # has no install script, and no browser is downloaded.
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund --ignore-scripts
    else
        npm install --no-audit --no-fund --ignore-scripts
    fi
fi

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    echo "browser: $chromium not found (apt-get install chromium, or scripts/deps.sh --all)" >&2
    exit 1
fi
