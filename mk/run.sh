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

# Vending needs an HSM and payment providers.  The demo gets the soft HSM
# with a fresh keystore holding the demo supply groups' vending keys, and
# hs-fakepay on port $fakeport playing the sandbox, Midtrans and Xendit
# gateways on loopback (their pages have pay and decline buttons).
fakeport=${HS_FAKEPAY_PORT:-8890}
if [ ! -f var/keys/keys.hsks ]; then
	mkdir -p var/keys
	umask 077
	openssl rand -hex 32 >var/keys/master
	printf 'database %s\nplugin vault hsm %s/build/plugins/hsm/soft.so\nset vault keystore %s/var/keys/keys.hsks\nset vault master_key file:%s/var/keys/master\n' \
	    "$(mk/pg.sh url var/pg "$pgport")" "$top" "$top" "$top" >var/keys/keys.conf
	keys="build/bin/hydrosync keys --config var/keys/keys.conf --actor make-run"
	$keys --yes create >/dev/null
	$keys generate --sgc 123457 --krn 1 --dkga 04 >/dev/null
	$keys generate --sgc 223344 --krn 1 --dkga 04 >/dev/null
	umask 022
	[ "$(id -u)" -ne 0 ] || chown -R "${HS_USER:-hydrosync}" var/keys
fi
if ! grep -q '^plugin vault ' "$conf"; then
	cat >>"$conf" <<CONF

# Vending (added by make run): the soft HSM and demo payment providers
# served by hs-fakepay.  Providers call back http://127.0.0.1:PORT (the
# default public_url; HS_PORT changes it).
plugin vault hsm $top/build/plugins/hsm/soft.so
set vault keystore $top/var/keys/keys.hsks
set vault master_key file:$top/var/keys/master
plugin sandbox payment $top/build/plugins/payment/sandbox.so
set sandbox base_url http://127.0.0.1:$fakeport
set sandbox api_key sandbox-secret-key-0001
set sandbox label Sandbox (demo)
plugin midtrans payment $top/build/plugins/payment/midtrans.so
set midtrans snap_url http://127.0.0.1:$fakeport
set midtrans api_url http://127.0.0.1:$fakeport
set midtrans server_key SB-Mid-server-fakepay0001
set midtrans label Midtrans (demo)
plugin xendit payment $top/build/plugins/payment/xendit.so
set xendit api_url http://127.0.0.1:$fakeport
set xendit secret_key xnd_development_fakepay0001
set xendit callback_token fakepay-callback-token-0001
set xendit label Xendit (demo)
plugin cash payment $top/build/plugins/payment/cash.so
set cash counter yes
set cash label Tunai (loket)
CONF
fi
build/bin/hs-fakepay --port "$fakeport" --quiet \
    --xendit-callback "http://127.0.0.1:$HS_PORT/api/v1/payments/xendit/notify" \
    >var/fakepay.log 2>&1 &
fakepay_pid=$!
trap 'kill $fakepay_pid 2>/dev/null || true; stop_pg' EXIT

build/bin/hydrosync db migrate --config "$conf"
build/bin/hydrosync db demo --config "$conf"

cat <<MSG

  HydroSync is starting on http://127.0.0.1:$HS_PORT
    customers: http://127.0.0.1:$HS_PORT/app/    (siti@example.id)
    staff:     http://127.0.0.1:$HS_PORT/admin/  (admin@tirta.demo and the others below)
    health:   http://127.0.0.1:$HS_PORT/healthz   (ready: /readyz, metrics: /metrics)
    api:      http://127.0.0.1:$HS_PORT/api/v1/version
    log in:   POST /api/v1/auth/login {"email": ..., "password": "demo-password-2026"}
              PDAM Tirta Sejahtera: admin@tirta.demo, operator@tirta.demo,
                kasir@tirta.demo (cashier), teknisi@tirta.demo (technician),
                siti@example.id (customer 1001)
              Apartemen Melati: admin@melati.demo, dewi@example.id (customer)
    buy:      POST /api/v1/purchases (Idempotency-Key header) with provider
              sandbox, midtrans or xendit (pay on the page it returns; the
              fake gateway on :$fakeport calls back) or cash (kasir@tirta.demo)
  Ctrl-C stops the server and PostgreSQL (data stays in var/).

MSG
mk/kore.sh "$conf" var/run
