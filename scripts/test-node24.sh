#!/usr/bin/env bash
# The suite again on Node 24 (LTS), which users run beside Node 20 and 22: the same vitest
# run with Node 24 first on PATH, so the test runner, the workers and every CLI the tests
# start (process.execPath, or `node` by name) are Node 24. install-test-deps.sh fetches it
# into .cache/node24 from the npm registry (the package node-linux-<arch>, Node's own
# binaries). Without it the run says so and ends; under CI=true a missing Node 24 fails.
set -euo pipefail
cd "$(dirname "$0")/.."
node24=.cache/node24/bin/node
if [ ! -x "$node24" ]; then
  if [ "${CI:-}" = true ]; then
    echo "test-node24: Node 24 is not in .cache/node24: run scripts/install-test-deps.sh" >&2
    exit 1
  fi
  echo "test-node24: Node 24 is not in .cache/node24 (scripts/install-test-deps.sh fetches it); the suite ran on $(node -v) only" >&2
  exit 0
fi
echo "test-node24: the suite on Node $("$node24" -v)"
PATH="$PWD/.cache/node24/bin:$PATH" "$node24" node_modules/vitest/vitest.mjs run "$@"
