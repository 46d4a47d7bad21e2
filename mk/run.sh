#!/usr/bin/env bash
# make run: a working HydroSync on http://127.0.0.1:8888 (HS_PORT changes
# it) with a private PostgreSQL under var/pg.  Data survives between runs.
# Ctrl-C stops the server, then PostgreSQL.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export HS_PORT=${HS_PORT:-8888}
pgport=${HS_PG_PORT:-54329}
conf=var/hydrosync.conf

mk/pg.sh start var/pg "$pgport"
pg_stopped=0
stop_pg() {
	[ $pg_stopped = 1 ] && return
	pg_stopped=1
	echo "stopping PostgreSQL"
	mk/pg.sh stop var/pg
}
trap stop_pg EXIT

if [ ! -f "$conf" ]; then
	runas=
	[ "$(id -u)" -eq 0 ] && runas="runas ${HS_USER:-hydrosync}"
	cat >"$conf" <<CONF
# Written by make run on $(date -u +%F); edit freely, make run keeps it.
# Every directive is explained in etc/hydrosync.conf.example.
bind 127.0.0.1 8888
workers 2
database $(mk/pg.sh url var/pg "$pgport")
webroot web
log_format text
node_name demo
$runas
CONF
fi

build/bin/hydrosync db migrate --config "$conf"
build/bin/hydrosync db demo --config "$conf"

cat <<MSG

  HydroSync is starting on http://127.0.0.1:$HS_PORT
    health:   http://127.0.0.1:$HS_PORT/healthz   (ready: /readyz, metrics: /metrics)
    api:      http://127.0.0.1:$HS_PORT/api/v1/version
    log in:   POST /api/v1/auth/login {"email": ..., "password": "demo-password-2026"}
              PDAM Tirta Sejahtera: admin@tirta.demo, operator@tirta.demo,
                kasir@tirta.demo (cashier), teknisi@tirta.demo (technician),
                siti@example.id (customer 1001)
              Apartemen Melati: admin@melati.demo, dewi@example.id (customer)
  Ctrl-C stops the server and PostgreSQL (data stays in var/).

MSG
mk/kore.sh "$conf" var/run
