#!/usr/bin/env bash
# lint.sh: lint kassa's OpenAPI documents (docs/openapi/*.json) with
# @redocly/cli's recommended rules, every one an error (redocly.yaml; the
# wire contracts' deliberate exceptions are in .redocly.lint-ignore.yaml).
# Installs the pinned linter first when it is missing (setup.sh).
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh >/dev/null
# No telemetry and no update check: the lint needs no network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec node_modules/.bin/redocly lint --config redocly.yaml "$@"
