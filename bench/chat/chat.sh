#!/usr/bin/env bash
# Chat fan-out benchmark: 10,000 WebSocket clients held on one 2-worker
# node (staff sockets: each sees every message of the utility), one
# customer sending chat messages; the latency from send to each delivery.
# The client (ws-fanout, epoll) and PostgreSQL share the 2 cores.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
clients=${HS_BENCH_WS_CLIENTS:-10000}
msgs=${HS_BENCH_WS_MSGS:-20}
work=$build/bench/chat
pgdir=$build/bench/pg
pgport=55433
rm -rf "$work"
mkdir -p "$work"

mk/pg.sh start "$pgdir" $pgport >/dev/null
sock=$(realpath "$pgdir")/run
pgurl="host=$sock port=$pgport dbname=hs_bench_chat user=hydrosync"
psql() { /usr/lib/postgresql/15/bin/psql -h "$sock" -p $pgport -qAtX "$@"; }
psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_chat WITH (FORCE)" >/dev/null
psql -U postgres postgres -c "CREATE DATABASE hs_bench_chat OWNER hydrosync" >/dev/null
"$build/bin/hydrosync" db migrate --database "$pgurl" >/dev/null
"$build/bin/hydrosync" db demo --database "$pgurl" >/dev/null

port=$("$build/bin/freeport")
cat >"$work/hydrosync.conf" <<CONF
bind 127.0.0.1 $port
workers 2
# Sized for the 10,000 sockets it holds: each worker takes up to half.
max_connections 10400
database $pgurl
access_log no
log_format json
CONF
hs_pid=$(HS_PORT= mk/kore.sh "$work/hydrosync.conf" "$work/run" --background)
cleanup() {
	kill "$hs_pid" 2>/dev/null || true
	sleep 1
	mk/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

cookie() {
	curl -s -D - -o /dev/null -H 'content-type: application/json' \
	    -d "{\"email\":\"$1\",\"password\":\"demo-password-2026\"}" \
	    "http://127.0.0.1:$port/api/v1/auth/login" |
	    grep -io '__Host-hs_session=[0-9a-f]*'
}
staff=$(cookie operator@tirta.demo)
customer=$(cookie siti@example.id)
conv=$(psql -U hydrosync hs_bench_chat -c "SELECT (hs_chat_open(utility_id, \
    id, 'bench')->>'id') FROM customers WHERE number = '1001'")

read -r open got want p50 p99 max < <("$build/bin/ws-fanout" "$port" \
    "$staff" "$customer" "$conv" "$clients" "$msgs")

cat <<MD
## Chat: WebSocket clients held and fan-out latency

$clients staff WebSockets and one customer socket held on one node (2
workers, $open connections open); the customer sends $msgs chat messages
250 ms apart; each is stored, announced with NOTIFY and written to every
socket. The client (epoll, ws-fanout) and PostgreSQL share the 2 cores.

| measure | result | target |
|---|---:|---|
| connections held | $open | 10,000 |
| deliveries | $got of $want | all |
| fan-out latency p50 / p99 / max | $p50 / $p99 / $max ms | p99 < 100 ms |

MD
