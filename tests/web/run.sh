#!/usr/bin/env bash
# Browser tests: the customer app and the staff console in Debian's
# Chromium (headless), driven by playwright-core, against a real server
# with the demo data, the soft HSM and hs-fakepay as the sandbox gateway.
# Run by tests/run.sh as an integration program (HS_TEST_PGURL is a fresh
# migrated database); prints TAP.  Screenshots go to build/screenshots/.
set -euo pipefail
top=${HS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HS_BUILD:-build}
cd "$top"
: "${HS_TEST_PGURL:?run me through tests/run.sh}"

chromium=${HS_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "not ok 1 - chromium is not installed ($chromium); make deps"; exit 1; }
# playwright-core, pinned by the lock file; fetched once into tests/web.
if [ ! -d tests/web/node_modules/playwright-core ]; then
	(cd tests/web && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
	    { echo "not ok 1 - npm ci in tests/web failed"; exit 1; }
fi

run=$build/tests/run/srv-${HS_TEST_SUITE:-0}-web-$$
rm -rf "$run"
mkdir -p "$run" "$build/screenshots"
hs="$build/bin/hydrosync"
"$hs" db demo --database "$HS_TEST_PGURL" >/dev/null

# The soft HSM with the demo supply groups' vending keys.
# The factory key lets the Bluetooth test provision its virtual meter with
# the decoder key the HSM's tokens are made for, as a meter factory would.
openssl rand -hex 32 >"$run/master"
factory=$(openssl rand -hex 32)
printf 'database %s\nplugin vault hsm %s/%s/plugins/hsm/soft.so\nset vault keystore %s/keys.hsks\nset vault master_key file:%s/master\nset vault factory_key %s\n' \
    "$HS_TEST_PGURL" "$top" "$build" "$top/$run" "$top/$run" "$factory" >"$run/keys.conf"
K="$hs keys --config $run/keys.conf --actor web-tests"
$K --yes create >/dev/null
$K generate --sgc 123457 --krn 1 --dkga 04 >/dev/null
$K generate --sgc 223344 --krn 1 --dkga 04 >/dev/null

port=$("$build/bin/freeport")
exec 3< <(exec "$build/bin/hs-fakepay" --port 0 --quiet)
fake_pid=$!
read -r line <&3
fport=${line##*:}
[ "$(id -u)" != 0 ] || chown -R hydrosync "$run"
cat >"$run/hydrosync.conf" <<CONF
bind 127.0.0.1 $port
workers 2
database $HS_TEST_PGURL
webroot $top/web
log_format json
meter_key_master 00112233445566778899aabbccddeeff
plugin vault hsm $top/$build/plugins/hsm/soft.so
set vault keystore $top/$run/keys.hsks
set vault master_key file:$top/$run/master
plugin sandbox payment $top/$build/plugins/payment/sandbox.so
set sandbox base_url http://127.0.0.1:$fport
set sandbox api_key sandbox-secret-key-0001
set sandbox label Sandbox
plugin cash payment $top/$build/plugins/payment/cash.so
set cash counter yes
plugin push transport $top/$build/plugins/transport/push.so
CONF
[ "$(id -u)" != 0 ] || chown -R hydrosync "$run"
hs_pid=$(HS_PORT= mk/kore.sh "$run/hydrosync.conf" "$run" --background)
echo "$hs_pid" >"$run/pid"
cleanup() {
	kill "$hs_pid" 2>/dev/null || true
	kill "$fake_pid" 2>/dev/null || true
}
trap cleanup EXIT

export HS_WEB_URL="http://127.0.0.1:$port" HS_FAKEPAY_URL="http://127.0.0.1:$fport"
export HS_CHROMIUM=$chromium HS_SCREENSHOTS=$top/$build/screenshots
export HS_SERVER_LOG=$top/$run/kore.log HS_KEYS_CONF=$top/$run/keys.conf
export HS_FACTORY_KEY=$factory HS_METER_KEY_MASTER=00112233445566778899aabbccddeeff
# HS_WEB_TESTS picks some test files (default: all).
# shellcheck disable=SC2086
node --test --test-reporter=tap --test-concurrency=1 ${HS_WEB_TESTS:-tests/web/*.test.mjs}
