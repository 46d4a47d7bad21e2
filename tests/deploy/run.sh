#!/usr/bin/env bash
# Through nginx with TLS: two core nodes behind mk/cluster.sh's nginx on
# free ports, then tests/deploy/*.test.mjs in Chromium: an HTTPS login, the
# live connection over wss, a plain HTTP request redirected.  Run by
# tests/run.sh as an integration program (HS_TEST_PGURL); prints TAP.
set -euo pipefail
top=${HS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HS_BUILD:-build}
cd "$top"
: "${HS_TEST_PGURL:?run me through tests/run.sh}"
[ -x /usr/sbin/nginx ] || { echo "not ok 1 - nginx is not installed; make deps"; exit 1; }
if [ ! -d tests/web/node_modules/playwright-core ]; then
	(cd tests/web && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
	    { echo "not ok 1 - npm ci in tests/web failed"; exit 1; }
fi
"$build/bin/hydrosync" db demo --database "$HS_TEST_PGURL" >/dev/null
dir=$build/tests/run/srv-${HS_TEST_SUITE:-0}-cluster-$$
rm -rf "$dir"
export HS_HTTPS_PORT=$("$build/bin/freeport") HS_HTTP_PORT=$("$build/bin/freeport")
export HS_NODE1_PORT=$("$build/bin/freeport") HS_NODE2_PORT=$("$build/bin/freeport")
pids=$(HS_CLUSTER_DIR=$dir HS_CLUSTER_DATABASE=$HS_TEST_PGURL mk/cluster.sh --background)
trap 'kill $pids 2>/dev/null || true' EXIT
export HS_CHROMIUM=${HS_CHROMIUM:-/usr/bin/chromium}
export HS_SCREENSHOTS=$top/$build/screenshots
mkdir -p "$HS_SCREENSHOTS"
node --test --test-reporter=tap --test-concurrency=1 tests/deploy/*.test.mjs
