#!/usr/bin/env bash
# HTTP benchmark: Kore's own hello world against HydroSync's /healthz and
# an unauthenticated JSON route, in one run, with wrk on loopback.  Both
# servers run 2 workers; wrk shares the same 2 cores, so the ratios matter
# more than the absolute figures.  Prints a Markdown section.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
secs=${HS_BENCH_SECONDS:-8}
work=$build/bench/http
mkdir -p "$work"

free_port() {
	"$build/bin/freeport"
}

# PostgreSQL and the HydroSync server.
mk/pg.sh start "$build/bench/pg" 55433 >/dev/null
pgurl="host=$(realpath "$build/bench/pg")/run port=55433 dbname=hydrosync user=hydrosync"
"$build/bin/hydrosync" db migrate --database "$pgurl" >/dev/null
"$build/bin/hydrosync" db demo --database "$pgurl" >/dev/null
hs_port=$(free_port)
cat >"$work/hydrosync.conf" <<CONF
bind 127.0.0.1 $hs_port
workers 2
database $pgurl
access_log no
log_format json
CONF
hs_pid=$(HS_PORT= mk/kore.sh "$work/hydrosync.conf" "$work/run" --background)

# Kore's hello world.
hello_port=$(free_port)
cat >"$work/hello.conf" <<CONF
server plain {
	bind 127.0.0.1 $hello_port
	tls no
}
load $top/$build/bench/http/kore_hello.so
workers 2
worker_death_policy terminate
http_hsts_enable 0
pidfile $top/$work/hello.pid
domain * {
	attach plain
	route /hello page_hello
}
CONF
kore -f -n -r -c "$work/hello.conf" >"$work/hello.log" 2>&1 &
hello_pid=$!
for _ in $(seq 1 100); do
	curl -fs -o /dev/null "http://127.0.0.1:$hello_port/hello" && break
	sleep 0.1
done

cleanup() {
	kill "$hello_pid" "$hs_pid" 2>/dev/null || true
	sleep 1
	mk/pg.sh stop "$build/bench/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# An operator's session for the authenticated read.
cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"email":"operator@tirta.demo","password":"demo-password-2026"}' \
    "http://127.0.0.1:$hs_port/api/v1/auth/login" |
    grep -io '__Host-hs_session=[0-9a-f]*')
meter_id=$(/usr/lib/postgresql/15/bin/psql -h "$(realpath "$build/bench/pg")/run" \
    -p 55433 -U hydrosync hydrosync -qAtX \
    -c "SELECT id FROM meters WHERE number = '47040000011'")

# wrk's summary: requests/s, p50 and p99 latency.
measure() {
	local out rps p50 p99 url=$1
	shift
	out=$(wrk -t2 -c64 -d"${secs}s" --latency "$@" "$url")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	errs=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out" | tr '\n' ' ')
	echo "$rps $p50 $p99 ${errs:-none}"
}

read -r hello_rps hello_p50 hello_p99 hello_err < <(measure "http://127.0.0.1:$hello_port/hello")
read -r health_rps health_p50 health_p99 health_err < <(measure "http://127.0.0.1:$hs_port/healthz")
read -r json_rps json_p50 json_p99 json_err < <(measure "http://127.0.0.1:$hs_port/api/v1/version")
read -r auth_rps auth_p50 auth_p99 auth_err < <(measure \
    "http://127.0.0.1:$hs_port/api/v1/meters/$meter_id" -H "Cookie: $cookie")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }

cat <<MD
## HTTP core against Kore's hello world

wrk -t2 -c64 -d${secs}s, keep-alive, loopback; both servers 2 workers; wrk
shares the same 2 cores.

| route | requests/s | p50 | p99 | of Kore hello | errors |
|---|---:|---:|---:|---:|---|
| Kore hello world (\`/hello\`, plain Kore) | $(printf '%.0f' "$hello_rps") | $hello_p50 | $hello_p99 | 100% | $hello_err |
| HydroSync \`GET /healthz\` | $(printf '%.0f' "$health_rps") | $health_p50 | $health_p99 | $(ratio "$health_rps" "$hello_rps") | $health_err |
| HydroSync \`GET /api/v1/version\` (JSON, no auth) | $(printf '%.0f' "$json_rps") | $json_p50 | $json_p99 | $(ratio "$json_rps" "$hello_rps") | $json_err |
| HydroSync \`GET /api/v1/meters/{id}\` (operator session) | $(printf '%.0f' "$auth_rps") | $auth_p50 | $auth_p99 | $(ratio "$auth_rps" "$hello_rps") | $auth_err |

The authenticated read resolves the session, checks the role and reads the
meter; workers cache principals and meter records and drop them when
PostgreSQL announces a change (LISTEN/NOTIFY), so a warm read needs no
database round trip. Target: at least 25% of Kore's hello-world rate.

MD
