#!/usr/bin/env bash
# CIS import benchmark: a PDAM's 100,000 customers and 100,000 meters
# through `hydrosync import` (the same parser, checks and single SQL call
# as the HTTP endpoints, without HTTP's body limit), dry run then real,
# into a fresh database on a private PostgreSQL; then the CSV exports
# (hs_export_customers / hs_export_meters, what GET /api/v1/export/* runs).
# Prints a Markdown section.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
rows=${HS_BENCH_IMPORT_ROWS:-100000}
work=$build/bench/import
port=55435
mkdir -p "$work"

mk/pg.sh start "$work/pg" $port >/dev/null
cleanup() {
	mk/pg.sh stop "$work/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
sock=$(realpath "$work/pg")/run
admin_psql="/usr/lib/postgresql/15/bin/psql -h $sock -p $port -U postgres -d postgres -qAtX"
$admin_psql -c "DROP DATABASE IF EXISTS hs_import WITH (FORCE)" >/dev/null
$admin_psql -c "CREATE DATABASE hs_import OWNER hydrosync" >/dev/null
pgurl="host=$sock port=$port dbname=hs_import user=hydrosync"
psql="/usr/lib/postgresql/15/bin/psql -h $sock -p $port -U hydrosync -d hs_import -qAtX"
"$build/bin/hydrosync" db migrate --database "$pgurl" >/dev/null
"$build/bin/hydrosync" db demo --database "$pgurl" >/dev/null

# The files: customers with quoted names and addresses; meters with
# 11-digit DRNs (prefix 58, so apart from the demo's) and a Luhn digit.
awk -v n="$rows" 'BEGIN {
	printf "number,name,address,phone,email,group\r\n"
	for (i = 1; i <= n; i++)
		printf "B%07d,\"Pelanggan %d, \"\"blok\"\" %d\",\"Jl. Melati %d, RT %02d\",62812%08d,,R%d\r\n",
		    i, i, i % 50, i, i % 20, i, 1 + i % 2
}' >"$work/customers.csv"
awk -v n="$rows" 'function luhn(s,   i, d, t, dbl) {
	t = 0; dbl = 1
	for (i = length(s); i >= 1; i--) {
		d = substr(s, i, 1) + 0
		if (dbl) { d *= 2; if (d > 9) d -= 9 }
		t += d; dbl = !dbl
	}
	return (10 - t % 10) % 10
}
BEGIN {
	printf "number,customer_number,service_type,tariff,sgc,install_address\r\n"
	for (i = 1; i <= n; i++) {
		drn = sprintf("58%08d", i)
		printf "%s%d,B%07d,water,AIR-R1,123457,Jl. Melati %d\r\n",
		    drn, luhn(drn), i, i
	}
}' >"$work/meters.csv"

now() { date +%s.%N; }
# time_import KIND [--dry-run]: seconds for one run; fails loudly.
time_import() {
	local t0 t1
	t0=$(now)
	"$build/bin/hydrosync" import "$1" "$work/$1.csv" --utility pdam-tirta \
	    --database "$pgurl" ${2:-} >"$work/$1${2:-}.log" 2>&1 || {
		echo "bench/import: $1 ${2:-} failed:" >&2
		tail -5 "$work/$1${2:-}.log" >&2
		exit 1
	}
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
time_export() {
	local t0 t1
	t0=$(now)
	$psql -c "SELECT length(body) FROM $1" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
rate() { printf '%.0f' "$(echo "$rows / $1" | bc -l)"; }
secs() { printf '%.2f' "$1"; }

c_dry=$(time_import customers --dry-run)
c_real=$(time_import customers)
m_dry=$(time_import meters --dry-run)
m_real=$(time_import meters)
imported=$($psql -c "SELECT (SELECT count(*) FROM customers WHERE number LIKE 'B%'), (SELECT count(*) FROM meters WHERE number LIKE '58%')")
[ "$imported" = "$rows|$rows" ] || { echo "bench/import: expected $rows|$rows rows, found $imported" >&2; exit 1; }
uid=$($psql -c "SELECT id FROM utilities WHERE code = 'pdam-tirta'")
c_exp=$(time_export "hs_export_customers($uid, NULL, NULL)")
m_exp=$(time_export "hs_export_meters($uid, NULL, NULL, NULL, NULL)")

echo "## CIS import"
echo
echo "$rows rows per file, \`hydrosync import\` into a fresh database on a private PostgreSQL 15 ($(nproc) cores);"
echo "customers CSV $(du -h "$work/customers.csv" | cut -f1), meters CSV $(du -h "$work/meters.csv" | cut -f1). Each import is one SQL call (all or nothing, one audit row)."
echo
echo "| step | seconds | rows/s |"
echo "|---|---:|---:|"
echo "| customers: dry run | $(secs "$c_dry") | $(rate "$c_dry") |"
echo "| customers: import | $(secs "$c_real") | $(rate "$c_real") |"
echo "| meters: dry run | $(secs "$m_dry") | $(rate "$m_dry") |"
echo "| meters: import | $(secs "$m_real") | $(rate "$m_real") |"
echo "| customers: export (SQL) | $(secs "$c_exp") | $(rate "$c_exp") |"
echo "| meters: export (SQL) | $(secs "$m_exp") | $(rate "$m_exp") |"
