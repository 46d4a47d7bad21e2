#!/usr/bin/env bash
# make run-cluster: two core nodes behind nginx with TLS on one machine,
# sharing one PostgreSQL: https://127.0.0.1:8443 (a self-signed
# certificate made on the spot), http://127.0.0.1:8080 redirected to it.
# nginx's site is deploy/nginx/hydrosync.conf with local ports and paths.
#
#   HS_CLUSTER_DIR       where confs, logs and the certificate go (var/cluster)
#   HS_CLUSTER_DATABASE  a database to use (tests); default: the private
#                        PostgreSQL of make run under var/pg, migrated, demo data
#   HS_HTTPS_PORT HS_HTTP_PORT HS_NODE1_PORT HS_NODE2_PORT (8443 8080 8881 8882)
#   --background         start, print "node1 node2 nginx" pids, return
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=${HS_CLUSTER_DIR:-var/cluster}
https=${HS_HTTPS_PORT:-8443}
http=${HS_HTTP_PORT:-8080}
n1=${HS_NODE1_PORT:-8881}
n2=${HS_NODE2_PORT:-8882}
database=${HS_CLUSTER_DATABASE:-}
mkdir -p "$dir/tls" "$dir/nginx"
dir=$(realpath "$dir")

if [ -z "$database" ]; then
	mk/pg.sh start var/pg "${HS_PG_PORT:-54329}"
	database=$(mk/pg.sh url var/pg "${HS_PG_PORT:-54329}")
	build/bin/hydrosync db migrate --database "$database" >/dev/null
	build/bin/hydrosync db demo --database "$database" >/dev/null
fi

if [ ! -f "$dir/tls/cert.pem" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
	    -addext "subjectAltName=IP:127.0.0.1" -keyout "$dir/tls/key.pem" \
	    -out "$dir/tls/cert.pem" 2>/dev/null
	chmod 600 "$dir/tls/key.pem"
fi

runas=
[ "$(id -u)" -eq 0 ] && runas="runas ${HS_USER:-hydrosync}"
for i in 1 2; do
	port=$n1
	[ $i = 2 ] && port=$n2
	cat >"$dir/node-$i.conf" <<CONF
bind 127.0.0.1 $port
workers 2
database $database
webroot $top/web
log_format json
node_name node-$i
public_url https://127.0.0.1:$https
trusted_proxy 127.0.0.1
$runas
CONF
done

# The deployment's site with this machine's ports and paths.
sed -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https ssl http2;|" \
    -e "/listen \[::\]:443/d; /listen \[::\]:80;/d" \
    -e "s|listen 80;|listen 127.0.0.1:$http;|" \
    -e "s|return 301 https://\$host\$request_uri;|return 301 https://\$host:$https\$request_uri;|" \
    -e "s|server_name pelanggan.pdam.example;|server_name 127.0.0.1;|" \
    -e "s|/etc/ssl/hydrosync/fullchain.pem|$dir/tls/cert.pem|" \
    -e "s|/etc/ssl/hydrosync/privkey.pem|$dir/tls/key.pem|" \
    -e "s|server 127.0.0.1:8881 |server 127.0.0.1:$n1 |" \
    -e "s|server 127.0.0.1:8882 |server 127.0.0.1:$n2 |" \
    deploy/nginx/hydrosync.conf >"$dir/nginx/site.conf"
cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    include $dir/nginx/site.conf;
}
CONF
[ "$(id -u)" -ne 0 ] || chown -R "${HS_USER:-hydrosync}" "$dir"

p1=$(HS_PORT= mk/kore.sh "$dir/node-1.conf" "$dir/run-1" --background)
p2=$(HS_PORT= mk/kore.sh "$dir/node-2.conf" "$dir/run-2" --background)
/usr/sbin/nginx -c "$dir/nginx/nginx.conf" -g 'daemon off;' \
    >"$dir/nginx/stdout.log" 2>&1 &
pn=$!
for _ in $(seq 1 50); do
	curl -fsk -o /dev/null "https://127.0.0.1:$https/healthz" && break
	sleep 0.1
done
if [ "${1:-}" = --background ]; then
	echo "$p1 $p2 $pn"
	exit 0
fi
trap 'kill $p1 $p2 $pn 2>/dev/null || true' EXIT
cat <<MSG

  HydroSync cluster: two nodes ($n1, $n2) behind nginx
    https://127.0.0.1:$https/app/ and /admin/   (self-signed certificate)
    http://127.0.0.1:$http/ redirects there
  Accounts as make run prints them.  Ctrl-C stops it.

MSG
wait $pn
