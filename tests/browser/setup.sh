#!/usr/bin/env bash
# setup.sh: install playwright-core (npm) into tests/browser/node_modules for
# the browser test, and check chromium is there. The browser itself is never
# downloaded: the test drives Debian's /usr/bin/chromium (or $CHROMIUM).
#
# A fast no-op (and works offline) when the pinned version is installed.
set -euo pipefail
cd "$(dirname "$0")"

# The node and npm on the machine are used, whatever their source; deps.sh
# installs Debian's chromium, nodejs and npm only where they are missing (its
# node rule: never Debian's npm beside NodeSource's nodejs).
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 ||
    [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    ../../scripts/deps.sh browser
fi

want=$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' package.json)
have=$(node -e 'try{console.log(require("./node_modules/playwright-core/package.json").version)}catch(e){}' 2>/dev/null || true)
if [ -n "$want" ] && [ "$have" = "$want" ]; then
    echo "browser: playwright-core $have already installed"
else
    if ! command -v npm >/dev/null 2>&1; then
        echo "browser: npm is missing (scripts/deps.sh browser)" >&2
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
    echo "browser: $chromium not found (scripts/deps.sh browser)" >&2
    exit 1
fi
