#!/usr/bin/env bash
# The one test command (pnpm test): servers up, types, lint, then every test against real servers.
set -uo pipefail
cd "$(dirname "$0")/.."
pnpm -s exec tsx infra/ensure-servers.ts || exit 1
pnpm -s typecheck || exit 1
pnpm -s lint || exit 1
# Chromium for the browser tests, installed here on a fresh machine rather than by the first
# browser test file while the others run (the install's load made their pages time out).
bash test-e2e/web/ensure-chromium.sh || exit 1
# Built once here: browser test files start web servers in parallel, which would otherwise all
# build into the same dist/ at once on a clean clone.
pnpm -s --filter @tlp/web exec vite build --logLevel warn || exit 1
mkdir -p .data
results=.data/jest-results.json
rm -f "$results"
pnpm -s exec jest --json --outputFile="$results" "$@"
status=$?
# The closing line CI reads; jest's own summary is not one of the formats it knows.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" 2>/dev/null || echo "tests: 0 passed, 1 failed"
exit $status
