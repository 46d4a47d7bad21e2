#!/usr/bin/env bash
# Billing benchmark: a monthly billing run over HS_BENCH_BILL_METERS
# postpaid meters (default 1,000,000), each with a customer and two months
# of readings, on the private PostgreSQL: the run that writes every
# invoice, the re-run that changes nothing, and a preview.  The run is the
# SQL function behind POST /api/v1/billing/runs, timed from psql.
# Prints a Markdown section.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
n=${HS_BENCH_BILL_METERS:-1000000}
pgdir=$build/bench/pg
pgport=55433

mk/pg.sh start "$pgdir" $pgport >/dev/null
sock=$(realpath "$pgdir")/run
pgurl="host=$sock port=$pgport dbname=hs_bench_bill user=hydrosync"
psql() { /usr/lib/postgresql/15/bin/psql -h "$sock" -p $pgport -qAtX "$@"; }
psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_bill WITH (FORCE)" >/dev/null
psql -U postgres postgres -c "CREATE DATABASE hs_bench_bill OWNER hydrosync" >/dev/null
"$build/bin/hydrosync" db migrate --database "$pgurl" >/dev/null
"$build/bin/hydrosync" db demo --database "$pgurl" >/dev/null
trap 'mk/pg.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT

load_start=$(date +%s.%N)
psql -U hydrosync -v ON_ERROR_STOP=1 hs_bench_bill >/dev/null <<SQL
SET synchronous_commit = off;
INSERT INTO customers (utility_id, number, name, address)
SELECT u.id, 'BEN-' || i, 'Pelanggan ' || i, 'Jl. Bench ' || i
  FROM utilities u, generate_series(1, $n) i WHERE u.code = 'pdam-tirta';
INSERT INTO meters (utility_id, customer_id, number, pan, service_type,
                    tariff_group_id, sgc, billing)
SELECT c.utility_id, c.id, '5' || lpad(substr(c.number, 5), 10, '0'),
       '600727' || lpad(substr(c.number, 5), 12, '0'), 'water', g.id,
       123457, 'postpaid'
  FROM customers c
  JOIN tariff_groups g ON g.utility_id = c.utility_id AND g.code = 'AIR-R1'
 WHERE c.number LIKE 'BEN-%';
INSERT INTO readings (utility_id, meter_id, period, value, previous, usage,
                      source, state, read_at, taken_by, client_id)
SELECT m.utility_id, m.id, p.period,
       CASE WHEN p.period = '2026-10-01' THEN 100000
            ELSE 100000 + 5000 + (m.id * 7919) % 35000 END,
       CASE WHEN p.period = '2026-11-01' THEN 100000 END,
       CASE WHEN p.period = '2026-11-01'
            THEN 5000 + (m.id * 7919) % 35000 END,
       'technician', 'accepted', now(), 'bench', m.id || '-' || p.period
  FROM meters m,
       (VALUES (DATE '2026-10-01'), (DATE '2026-11-01')) AS p (period)
 WHERE m.billing = 'postpaid';
ANALYZE customers;
ANALYZE meters;
ANALYZE readings;
SQL
load_secs=$(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

run() {	# preview -> seconds, report
	local t0 t1 out
	t0=$(date +%s.%N)
	out=$(psql -U hydrosync hs_bench_bill -c "SELECT hs_billing_run('bench', \
	    (SELECT id FROM utilities WHERE code = 'pdam-tirta'), '2026-11-01', \
	    $1, 20) - 'changes' - 'skips'")
	t1=$(date +%s.%N)
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $out"
}
read -r commit_s commit_report < <(run false)
read -r rerun_s rerun_report < <(run false)
read -r preview_s _ < <(run true)
invoices=$(psql -U hydrosync hs_bench_bill -c "SELECT count(*) FROM invoices \
    WHERE period = '2026-11-01'")
sections=$(psql -U hydrosync hs_bench_bill -c "SELECT count(*) FROM \
    invoice_meters WHERE period = '2026-11-01'")
dups=$(psql -U hydrosync hs_bench_bill -c "SELECT (SELECT count(*) FROM \
    (SELECT 1 FROM invoices GROUP BY customer_id, period HAVING count(*) > 1) \
    x) + (SELECT count(*) FROM (SELECT 1 FROM invoice_meters GROUP BY \
    meter_id, period HAVING count(*) > 1) y)")
# Bill inquiries from a bank's host: signed, over 16 keep-alive
# connections, for random customers (each with an invoice now), on a
# settled database (the runs above leave a checkpoint and autovacuum's
# work behind, which is not what a bank's inquiry meets on the 5th).
psql -U postgres hs_bench_bill -c "VACUUM ANALYZE invoices" >/dev/null
psql -U postgres hs_bench_bill -c "VACUUM ANALYZE outbox" >/dev/null
psql -U postgres hs_bench_bill -c "CHECKPOINT" >/dev/null
secret=bench-bank-shared-secret-0000000000000001
port=$("$build/bin/freeport")
work=$build/bench/bill
rm -rf "$work"
mkdir -p "$work"
cat >"$work/hydrosync.conf" <<CONF
bind 127.0.0.1 $port
workers 2
database $pgurl
database_connections 8
access_log no
log_format json
biller_partner bench-bank pdam-tirta $secret
CONF
hs_pid=$(HS_PORT= mk/kore.sh "$work/hydrosync.conf" "$work/run" --background)
trap 'kill $hs_pid 2>/dev/null || true; sleep 1; mk/pg.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT
inq_n=${HS_BENCH_INQUIRIES:-40000}
read -r isent iok ierr isecs ip50 ip99 < <("$build/bin/inquiry-load" "$port" \
    bench-bank "$secret" "$n" "$inq_n" 16)
inq_rate=$(awk -v n="$iok" -v s="$isecs" 'BEGIN { printf "%.0f", n / s }')

created=$(sed -n 's/.*"created": \([0-9]*\).*/\1/p' <<<"$commit_report")
[ "$invoices" = "$n" ] && [ "$sections" = "$n" ] && [ "$dups" = 0 ] ||
    { echo "bill bench: $invoices invoices, $sections meter sections for $n customers, $dups duplicated" >&2; exit 1; }
unchanged=$(sed -n 's/.*"unchanged": \([0-9]*\).*/\1/p' <<<"$rerun_report")

cat <<MD
## Billing: a monthly run

$n customers, each with a postpaid water meter with October and November
readings (5 to 40 m3 used), priced through the R1 progressive blocks with
fixed charge and admin fee; one set-based run writes every invoice (one
per customer) and its meter section
(loading the data took ${load_secs} s and is not counted).

| measure | result | target |
|---|---:|---|
| billing run, $n customers (one meter each), invoices written | ${commit_s} s ($created created) | < 300 s |
| the same run again (nothing changes) | ${rerun_s} s ($unchanged unchanged) | |
| preview (computes, writes nothing) | ${preview_s} s | |
| invoices / meter sections for the period / duplicates | $invoices / $sections / $dups | $n / $n / 0 |
| bill inquiries (signed, 16 connections, $isent requests) | $inq_rate/s, p50 $ip50 ms, p99 $ip99 ms, $ierr errors | |

MD
