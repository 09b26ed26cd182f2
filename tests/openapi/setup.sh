#!/usr/bin/env bash
# setup.sh: install @redocly/cli (npm, the version package-lock.json pins) into
# tests/openapi/node_modules for the lint of docs/openapi/ (lint.sh).
#
# A fast no-op (and works offline) when the pinned version is installed.
set -euo pipefail
cd "$(dirname "$0")"

# The node and npm on the machine are used, whatever their source; deps.sh
# installs Debian's nodejs and npm only where they are missing.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    ../../scripts/deps.sh browser
fi

want=$(sed -n 's/.*"@redocly\/cli": *"\([^"]*\)".*/\1/p' package.json)
have=$(node -e 'try{console.log(require("./node_modules/@redocly/cli/package.json").version)}catch(e){}' 2>/dev/null || true)
if [ -n "$want" ] && [ "$have" = "$want" ]; then
    echo "openapi: @redocly/cli $have already installed"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "openapi: npm is missing (scripts/deps.sh browser)" >&2
    exit 1
fi
echo "openapi: installing @redocly/cli $want"
# The lock file pins the exact tarball; --ignore-scripts: nothing of it
# needs to run at install.
npm ci --no-audit --no-fund --ignore-scripts
