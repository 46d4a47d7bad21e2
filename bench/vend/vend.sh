#!/usr/bin/env bash
# Vending benchmark: paid notification -> token stored, per second, against
# pgbench's TPC-B rate on the same PostgreSQL in the same run; and the
# notification accept latency at a steady 500/s.  The server runs 2
# workers with the sandbox payment plugin and the soft HSM; the load
# generator (webhook-load) and PostgreSQL share the same 2 cores.
# Prints a Markdown section.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
n=${HS_BENCH_VENDS:-20000}
lat_n=${HS_BENCH_LATENCY_N:-5000}
work=$build/bench/vend
pgdir=$build/bench/pg
pgport=55433
rm -rf "$work"
mkdir -p "$work"

mk/pg.sh start "$pgdir" $pgport >/dev/null
sock=$(realpath "$pgdir")/run
pgurl="host=$sock port=$pgport dbname=hs_bench_vend user=hydrosync"
psql() { /usr/lib/postgresql/15/bin/psql -h "$sock" -p $pgport -qAtX "$@"; }
# A fresh database each run: the figures must not depend on the last one.
psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_vend WITH (FORCE)" >/dev/null
psql -U postgres postgres -c "CREATE DATABASE hs_bench_vend OWNER hydrosync" >/dev/null
"$build/bin/hydrosync" db migrate --database "$pgurl" >/dev/null
"$build/bin/hydrosync" db demo --database "$pgurl" >/dev/null

# The soft HSM with the demo supply group's vending key.
openssl rand -hex 32 >"$work/master"
printf 'database %s\nplugin vault hsm %s/%s/plugins/hsm/soft.so\nset vault keystore %s/keys.hsks\nset vault master_key file:%s/master\n' \
    "$pgurl" "$top" "$build" "$top/$work" "$top/$work" >"$work/keys.conf"
K="$build/bin/hydrosync keys --config $work/keys.conf --actor bench"
$K --yes create >/dev/null
$K generate --sgc 123457 --krn 1 --dkga 04 >/dev/null
[ "$(id -u)" != 0 ] || chown -R hydrosync "$work"

key=sandbox-secret-key-0001
port=$("$build/bin/freeport")
cat >"$work/hydrosync.conf" <<CONF
bind 127.0.0.1 $port
workers 2
database $pgurl
database_connections 16
access_log no
log_format json
plugin sandbox payment $top/$build/plugins/payment/sandbox.so
set sandbox base_url http://127.0.0.1:9
set sandbox api_key $key
plugin vault hsm $top/$build/plugins/hsm/soft.so
set vault keystore $top/$work/keys.hsks
set vault master_key file:$top/$work/master
CONF
hs_pid=$(HS_PORT= mk/kore.sh "$work/hydrosync.conf" "$work/run" --background)
cleanup() {
	kill "$hs_pid" 2>/dev/null || true
	sleep 1
	mk/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Pending purchases, made directly (the provider's create is not what is
# measured), each with its own TID minute on one meter and the payment id
# the provider's create would have returned.
make_orders() {	# tag count file
	psql -U hydrosync hs_bench_vend >/dev/null <<SQL
INSERT INTO purchases (order_id, utility_id, customer_id, meter_id, provider,
    state, amount, tax, admin_fee, total, units, quote, month_prior, pan, sgc,
    ti, krn, kt, ken, ea, dkga, base_date, token_subclass, token_amount, rnd,
    token_issued_at, expires_at, created_by, provider_ref)
SELECT 'BENCH-$1-' || i, m.utility_id, m.customer_id, m.id, 'sandbox',
       'pending', 10000, 0, 0, 10000, 5000, '{}', 0, m.pan, m.sgc,
       m.tariff_index, m.key_revision, m.key_type, m.key_expiry, 11, 4,
       m.base_date, 1, 50, i % 16,
       (SELECT coalesce(max(token_issued_at), date_trunc('minute', now()))
          FROM purchases WHERE meter_id = m.id) + i * interval '1 minute',
       now() + interval '1 hour', 'bench', 'sbx_BENCH-$1-' || i
  FROM meters m, generate_series(1, $2) i
 WHERE m.number = '47040000011';
SQL
	psql -U hydrosync hs_bench_vend -c "SELECT order_id || ' ' || total FROM \
	    purchases WHERE order_id LIKE 'BENCH-$1-%' ORDER BY id" >"$3"
}
wait_tokens() {	# tag count
	for _ in $(seq 1 480); do
		got=$(psql -U hydrosync hs_bench_vend -c "SELECT count(*) FROM tokens t \
		    JOIN purchases p ON p.id = t.purchase_id \
		    WHERE p.order_id LIKE 'BENCH-$1-%'")
		[ "$got" -ge "$2" ] && return 0
		sleep 0.25
	done
	echo "vend bench: only $got of $2 tokens" >&2
	return 1
}

tag=$(date +%s)
# Throughput: every notification at once (16 connections), then the time
# from the first notification received to the last token stored.
make_orders "t$tag" "$n" "$work/orders.txt"
read -r sent ok errs secs _ _ < <("$build/bin/webhook-load" "$port" "$key" \
    "$work/orders.txt" 0 16)
wait_tokens "t$tag" "$n"
vend_secs=$(psql -U hydrosync hs_bench_vend -c "SELECT extract(epoch FROM \
    max(t.created_at) - min(e.received_at)) FROM purchases p \
    JOIN tokens t ON t.purchase_id = p.id \
    JOIN payment_events e ON e.purchase_id = p.id \
    WHERE p.order_id LIKE 'BENCH-t$tag-%'")
vend_rate=$(awk -v n="$n" -v s="$vend_secs" 'BEGIN { printf "%.0f", n / s }')
accept_rate=$(awk -v n="$sent" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
dups=$(psql -U hydrosync hs_bench_vend -c "SELECT count(*) FROM (SELECT \
    purchase_id FROM tokens GROUP BY purchase_id HAVING count(*) > 1) x")

# Latency at a steady 500 notifications per second.
make_orders "l$tag" "$lat_n" "$work/latency.txt"
read -r lsent lok lerrs lsecs p50 p99 < <("$build/bin/webhook-load" "$port" \
    "$key" "$work/latency.txt" 500 16)
wait_tokens "l$tag" "$lat_n"

# TPC-B on the same PostgreSQL.
psql -U postgres postgres -c "DROP DATABASE IF EXISTS pgbench" >/dev/null
psql -U postgres postgres -c "CREATE DATABASE pgbench" >/dev/null
/usr/lib/postgresql/15/bin/pgbench -i -q -s 10 -h "$sock" -p $pgport -U postgres \
    pgbench >/dev/null 2>&1
tps=$(/usr/lib/postgresql/15/bin/pgbench -c 8 -j 2 -T 15 -h "$sock" -p $pgport \
    -U postgres pgbench 2>/dev/null | awk '/^tps/ { print $3; exit }')
ratio=$(awk -v a="$vend_rate" -v b="$tps" 'BEGIN { printf "%.0f%%", 100 * a / b }')

cat <<MD
## Vending: paid notification to stored token

$n signed sandbox notifications sent at once over 16 keep-alive
connections to a 2-worker server (soft HSM), each verified, recorded once,
marked paid with its vend job in one transaction, then claimed (SKIP
LOCKED), vended and stored. The load generator and PostgreSQL share the
machine's 2 cores.

| measure | result | target |
|---|---:|---|
| paid notification -> token stored | $vend_rate tokens/s | |
| pgbench TPC-B, same PostgreSQL, 8 clients, 15 s | $(printf '%.0f' "$tps") tps | |
| vending rate / TPC-B rate | $ratio | >= 50% |
| notifications accepted (at once) | $accept_rate/s, $errs errors | |
| accept latency at 500/s ($lsent notifications) | p50 $p50 ms, p99 $p99 ms, $lerrs errors | p99 < 20 ms |
| purchases with more than one token | $dups | 0 |

MD
