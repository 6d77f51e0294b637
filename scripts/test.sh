#!/usr/bin/env bash
# The one test command (pnpm test): types, lint, then every test against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
node infra/ensure-servers.mjs
pnpm -s typecheck
pnpm -s lint
pnpm -s exec jest "$@"
