#!/usr/bin/env bash
# Notification dispatch benchmark: 30,000 SMS notices queued at once in the
# outbox, sent by a 2-worker node through the sms transport (Twilio
# profile) to the local fake gateway (hs-fakepay); messages per second
# from the first claim to the last one recorded as sent.  Gateway, server
# and PostgreSQL share the 2 cores.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
n=${HS_BENCH_NOTICES:-30000}
work=$build/bench/notify
pgdir=$build/bench/pg
pgport=55433
rm -rf "$work"
mkdir -p "$work"

mk/pg.sh start "$pgdir" $pgport >/dev/null
sock=$(realpath "$pgdir")/run
pgurl="host=$sock port=$pgport dbname=hs_bench_notify user=hydrosync"
psql() { /usr/lib/postgresql/15/bin/psql -h "$sock" -p $pgport -qAtX "$@"; }
psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_notify WITH (FORCE)" >/dev/null
psql -U postgres postgres -c "CREATE DATABASE hs_bench_notify OWNER hydrosync" >/dev/null
"$build/bin/hydrosync" db migrate --database "$pgurl" >/dev/null
"$build/bin/hydrosync" db demo --database "$pgurl" >/dev/null

exec 3< <(exec "$build/bin/hs-fakepay" --port 0 --quiet)
fake_pid=$!
read -r line <&3
fport=${line##*:}
port=$("$build/bin/freeport")
cat >"$work/hydrosync.conf" <<CONF
bind 127.0.0.1 $port
workers 2
database $pgurl
database_connections 8
access_log no
log_format json
plugin sms transport $top/$build/plugins/transport/sms.so
set sms profile twilio
set sms base_url http://127.0.0.1:$fport
set sms account_sid ACfakesms0000000000000000000000001
set sms auth_token fakesms-auth-token-0001
set sms from HydroSync
set sms rate 100000
CONF
hs_pid=$(HS_PORT= mk/kore.sh "$work/hydrosync.conf" "$work/run" --background)
cleanup() {
	kill "$hs_pid" 2>/dev/null || true
	kill "$fake_pid" 2>/dev/null || true
	sleep 1
	mk/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Queue them all in one transaction: SMS only for this customer.
psql -U hydrosync hs_bench_notify >/dev/null <<SQL
INSERT INTO notification_prefs (customer_id, channels)
SELECT id, '{"tamper": ["sms"]}' FROM customers WHERE number = '1001';
SELECT count(hs_notify(c.utility_id, c.id, 'tamper', 'Bench',
       'Pesan bench nomor ' || g, '{}', 'bench-' || g))
  FROM customers c, generate_series(1, $n) g WHERE c.number = '1001';
SQL
for _ in $(seq 1 600); do
	sent=$(psql -U hydrosync hs_bench_notify -c "SELECT count(*) FROM outbox \
	    WHERE state = 'sent'")
	[ "$sent" -ge "$n" ] && break
	sleep 0.2
done
secs=$(psql -U hydrosync hs_bench_notify -c "SELECT extract(epoch FROM \
    max(sent_at) - min(sent_at)) FROM outbox WHERE state = 'sent'")
rate=$(awk -v n="$sent" -v s="$secs" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1) }')
accepted=$(curl -s "http://127.0.0.1:$fport/_control/sms")

cat <<MD
## Notifications: outbox to SMS gateway

$n SMS notices queued at once, dispatched by a 2-worker node (SKIP LOCKED
claims of 64, up to 256 sends in flight per worker, outcomes recorded a
batch per statement) through the sms transport to the local fake Twilio;
gateway, server and PostgreSQL share the 2 cores.

| measure | result | target |
|---|---:|---|
| notices sent | $sent of $n | all |
| dispatch rate | $rate messages/s | >= 5,000/s |
| gateway's count | $accepted | each once |

MD
