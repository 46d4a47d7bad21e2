#!/usr/bin/env bash
# Whole-system load test: simulated customers and staff (user-load) ramped
# in steps to 5,000 concurrent users, through nginx with TLS (the shipped
# deploy/nginx/hydrosync.conf) to one core node, then the same to two
# nodes; the sandbox payment provider and its pay page played by
# hs-fakepay, tokens from the soft HSM, one private PostgreSQL.  Each run
# starts from the same seeded database.  Prints a Markdown section with
# the two runs side by side.
#
#   HS_BENCH_LOAD_STEPS      users per step (500,1000,2000,3500,5000)
#   HS_BENCH_LOAD_STEP_SECS  length of each step (30); arrivals over the
#                            first HS_BENCH_LOAD_RAMP_SECS (10)
#   HS_BENCH_LOAD_STAFF_PCT  staff among the users (1)
#   HS_BENCH_LOAD_LOGIN_PCT  arrivals that sign in with their password (5)
#   HS_BENCH_LOAD_THINK      think times times this (1)
#   HS_BENCH_LOAD_NODES      the runs, by number of nodes ("1 2")
#   HS_BENCH_LOAD_FRONT      nginx (TLS) or direct (users spread over the
#                            nodes' own ports, plain HTTP)
#   HS_BENCH_LOAD_PG_PORT    the private PostgreSQL's port (55461)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HS_BUILD:-build}
steps=${HS_BENCH_LOAD_STEPS:-500,1000,2000,3500,5000}
step_secs=${HS_BENCH_LOAD_STEP_SECS:-30}
ramp_secs=${HS_BENCH_LOAD_RAMP_SECS:-10}
staff_pct=${HS_BENCH_LOAD_STAFF_PCT:-1}
login_pct=${HS_BENCH_LOAD_LOGIN_PCT:-5}
think=${HS_BENCH_LOAD_THINK:-1}
runs=${HS_BENCH_LOAD_NODES:-1 2}
front=${HS_BENCH_LOAD_FRONT:-nginx}
pgport=${HS_BENCH_LOAD_PG_PORT:-55461}
work=$build/bench/load
pgdir=$build/bench/pg-load
max_users=${steps##*,}
if [ "$front" = nginx ] && [ ! -x /usr/sbin/nginx ]; then
	echo "load bench: nginx is not installed (make deps)" >&2
	exit 1
fi
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")

# Two sockets a simulated user on this side, and as many again in nginx
# and the nodes: far above the usual 1024.  Children inherit it.
ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)

mk/pg.sh start "$pgdir" "$pgport" >/dev/null
sock=$(realpath "$pgdir")/run
pg_pid=$(head -1 "$pgdir/data/postmaster.pid")
psql() { /usr/lib/postgresql/15/bin/psql -h "$sock" -p "$pgport" -qAtX "$@"; }
url() { echo "host=$sock port=$pgport dbname=$1 user=hydrosync"; }

pids=()
stop_started() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
	done
	pids=()
}
cleanup() {
	stop_started
	mk/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The seeded database every run is copied from: demo data, the users, and
# the soft HSM's vending key for the demo supply group.
staff_n=$(awk -v n="$max_users" -v p="$staff_pct" \
    'BEGIN { s = int(n * p / 100 + 0.5); if (p > 0 && s < 1) s = 1; print s }')
psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_load WITH (FORCE)" >/dev/null
psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_load_seed WITH (FORCE)" >/dev/null
psql -U postgres postgres -c "CREATE DATABASE hs_bench_load_seed OWNER hydrosync" >/dev/null
"$build/bin/hydrosync" db migrate --database "$(url hs_bench_load_seed)" >/dev/null
"$build/bin/hydrosync" db demo --database "$(url hs_bench_load_seed)" >/dev/null
psql -U hydrosync hs_bench_load_seed -v customers="$max_users" \
    -v staff="$staff_n" -f bench/load/seed.sql >"$work/accounts.txt"
openssl rand -hex 32 >"$work/master"
printf 'database %s\nplugin vault hsm %s/%s/plugins/hsm/soft.so\nset vault keystore %s/keys.hsks\nset vault master_key file:%s/master\n' \
    "$(url hs_bench_load_seed)" "$top" "$build" "$work" "$work" >"$work/keys.conf"
K="$build/bin/hydrosync keys --config $work/keys.conf --actor bench"
$K --yes create >/dev/null
$K generate --sgc 123457 --krn 1 --dkga 04 >/dev/null
psql -U postgres hs_bench_load_seed -c "VACUUM ANALYZE" >/dev/null

# nginx's certificate, as a deployment would have it (ECDSA P-256).
mkdir -p "$work/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" 2>/dev/null
[ "$(id -u)" != 0 ] || chown -R hydrosync "$work"

# How busy the machine is without us, over two seconds: other work on
# the same 2 cores makes every figure below worse.
busy() {
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	sleep 2
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	echo "$a $b" | awk '{ u = $3 - $1; i = $4 - $2; printf "%.0f", 100 * u / (u + i) }'
}

node_conf() {	# i port nodes
	# Each node holds its share of the sockets, and its workers share
	# that (Kore's accept lock moves on only when a worker is full).  The
	# nodes share this machine's cores: a worker per core in all.
	local conns=$(( max_users * 5 / 4 / $3 + 1024 ))
	local workers=$(( $(nproc) / $3 > 1 ? $(nproc) / $3 : 1 ))
	cat <<CONF
bind 127.0.0.1 $2
workers $workers
database $(url hs_bench_load)
database_connections 8
max_connections $conns
access_log no
log_format json
node_name node-$1
public_url http://127.0.0.1:$2
trusted_proxy 127.0.0.1
plugin vault hsm $top/$build/plugins/hsm/soft.so
set vault keystore $work/keys.hsks
set vault master_key file:$work/master
plugin sandbox payment $top/$build/plugins/payment/sandbox.so
set sandbox base_url http://127.0.0.1:$fport
set sandbox api_key sandbox-secret-key-0001
plugin push transport $top/$build/plugins/transport/push.so
CONF
}

nginx_conf() {	# dir https http ports...
	local dir=$1 https=$2 http=$3 servers="" p
	shift 3
	for p in "$@"; do
		servers="$servers    server 127.0.0.1:$p max_fails=3 fail_timeout=10s;\n"
	done
	# The shipped site with this machine's ports, paths and nodes.
	sed -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https ssl http2;|" \
	    -e "/listen \[::\]:443/d; /listen \[::\]:80;/d" \
	    -e "s|listen 80;|listen 127.0.0.1:$http;|" \
	    -e "s|server_name pelanggan.pdam.example;|server_name 127.0.0.1;|" \
	    -e "s|/etc/ssl/hydrosync/fullchain.pem|$work/tls/cert.pem|" \
	    -e "s|/etc/ssl/hydrosync/privkey.pem|$work/tls/key.pem|" \
	    -e "/server 127.0.0.1:888[12] /d" \
	    -e "s|^    least_conn;|    least_conn;\n$servers|" \
	    deploy/nginx/hydrosync.conf >"$dir/site.conf"
	cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
worker_rlimit_nofile $nofile;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $(( nofile - 100 )); }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/site.conf;
}
CONF
}

# One run: a fresh copy of the seeded database, the gateway, N nodes,
# nginx, the users.  Leaves $work/run-N/results.tsv and checks.txt.
run() {	# nodes
	local n=$1 dir="$work/run-$1" i port ports=() kore=() fronts=() busy_before
	mkdir -p "$dir"
	psql -U postgres postgres -c "DROP DATABASE IF EXISTS hs_bench_load WITH (FORCE)" >/dev/null
	psql -U postgres postgres -c "CREATE DATABASE hs_bench_load OWNER hydrosync \
	    TEMPLATE hs_bench_load_seed" >/dev/null
	psql -U postgres hs_bench_load -c "CHECKPOINT" >/dev/null

	exec 3< <(exec "$build/bin/hs-fakepay" --port 0 --quiet)
	fake_pid=$!
	pids+=("$fake_pid")
	read -r line <&3
	fport=${line##*:}
	for i in $(seq 1 "$n"); do
		port=$("$build/bin/freeport")
		node_conf "$i" "$port" "$n" >"$dir/node-$i.conf"
		[ "$(id -u)" != 0 ] || chown -R hydrosync "$dir"
		kore+=("$(HS_PORT= mk/kore.sh "$dir/node-$i.conf" "$dir/node-$i" --background)")
		pids+=("${kore[-1]}")
		ports+=("$port")
		fronts+=(--front "http://127.0.0.1:$port")
	done
	local cpu=(--cpu "nodes=$(IFS=,; echo "${kore[*]}")" --cpu "postgres=$pg_pid"
	    --cpu "gateway=$fake_pid")
	if [ "$front" = nginx ]; then
		local https http
		https=$("$build/bin/freeport")
		http=$("$build/bin/freeport")
		mkdir -p "$dir/nginx"
		nginx_conf "$dir/nginx" "$https" "$http" "${ports[@]}"
		/usr/sbin/nginx -c "$dir/nginx/nginx.conf" -g 'daemon off;' \
		    >"$dir/nginx/stdout.log" 2>&1 &
		pids+=("$!")
		cpu+=(--cpu "nginx=$!")
		for _ in $(seq 1 50); do
			curl -fs --cacert "$work/tls/cert.pem" -o /dev/null \
			    "https://127.0.0.1:$https/healthz" && break
			sleep 0.1
		done
		fronts=(--front "https://127.0.0.1:$https" --ca "$work/tls/cert.pem")
	fi

	busy_before=$(busy)
	echo "load bench: $n node(s), machine ${busy_before}% busy before" >&2
	"$build/bin/user-load" "${fronts[@]}" --steps "$steps" \
	    --step-secs "$step_secs" --ramp-secs "$ramp_secs" \
	    --staff-pct "$staff_pct" --login-pct "$login_pct" --think "$think" \
	    "${cpu[@]}" --out "$dir/results.tsv" "$work/accounts.txt"
	echo "$busy_before" >"$dir/busy"
	# Give the vending in flight a moment, then check what was sold.
	sleep 2
	psql -U hydrosync hs_bench_load -F ' ' -c "SELECT \
	    count(*), \
	    count(*) FILTER (WHERE p.paid_at IS NOT NULL), \
	    count(t.id), \
	    count(*) FILTER (WHERE p.paid_at IS NOT NULL AND t.id IS NULL), \
	    (SELECT count(*) FROM (SELECT purchase_id FROM tokens GROUP BY \
	        purchase_id HAVING count(*) > 1) d) \
	    FROM purchases p LEFT JOIN tokens t ON t.purchase_id = p.id" \
	    >"$dir/checks.txt"
	for i in "${!ports[@]}"; do
		grep -cE '"level":"(error|warning)"' "$dir/node-$((i + 1))/kore.log" || true
	done | awk '{ s += $1 } END { print s + 0 }' >"$dir/log_errors"
	stop_started
}

for n in $runs; do
	run "$n"
done

title() { [ "$1" = 1 ] && echo "1 node" || echo "$1 nodes"; }
set -- $runs
a=$1
b=${2:-$1}
frontdesc="nginx 1.22 with TLS (ECDSA P-256, the shipped deploy/nginx/hydrosync.conf, least_conn over the nodes), HTTP/1.1 keep-alive from each user"
[ "$front" = nginx ] || frontdesc="no proxy: users spread over the nodes' own ports, plain HTTP"

cat <<MD
## Whole system: up to $max_users simulated users, one node and two

Simulated people (user-load: one process, epoll, OpenSSL) ramped in steps
of $steps users ($step_secs s each, arrivals over the first $ramp_secs s),
$staff_pct% of them staff.  Each customer has a prepaid water meter and a
session; $login_pct% of arrivals sign in with their password (scrypt), the
rest resume their session (GET /auth/me).  Each holds one keep-alive
HTTPS connection and one WebSocket (/ws), and loops through the app's
journey with think times (mean journey about 70 s): home (meters, then the
balance: GET /meters/{id}/state), quote, purchase with the sandbox provider
(POST /api/v1/purchases with an Idempotency-Key), the gateway's pay page and
its pay button (hs-fakepay, which notifies the core), the token pushed over
the WebSocket, the purchase reloaded, then the chat: open, history, send,
ack.  Staff loop through the dashboard, the conversation list, one
conversation's messages and a reply over their WebSocket, which also
receives every customer message (chat_fanout).

- front: $frontdesc
- nodes: as many Kore workers as the machine has cores, split over the
  nodes (one node: $(nproc) workers; two: $(( $(nproc) / 2 > 1 ? $(nproc) / 2 : 1 ))
  each), 8 database connections per worker, the soft HSM, the sandbox
  plugin, the push transport; sessions, jobs (vend with SKIP LOCKED) and
  chat/push fan-out (LISTEN/NOTIFY) shared through one PostgreSQL 15
  (fsync and synchronous commit on).  Two nodes of $(nproc) workers each
  on these $(nproc) cores were slower in earlier runs (purchase p99
  0.8-1.5 s at 5,000 users): more event loops than cores.
- everything (generator, nginx, nodes, PostgreSQL, gateway) on the same
  $(nproc) cores, so the second node adds no cores: the two-node run
  shows that the work splits over nodes and stays correct under load,
  not more capacity, which needs the nodes on their own machines;
  machine busy before the runs (other work):
  $(cat "$work/run-$a/busy")% / $(cat "$work/run-$b/busy")%
- purchase = POST /api/v1/purchases answered (the core's quote, the order
  written, the provider's create call, the reply stored for the key);
  pay -> token = from pressing pay on the gateway's page to the token on
  the customer's WebSocket (notification, verification, vend job, HSM,
  token stored, push).  Latencies in ms, percentiles over successes; an
  operation counts in the step in which it started.  Errors: any answer
  but the expected status, a lost connection or socket, no answer within
  30 s, no token within 60 s of paying.  The second table is the same
  over each step's hold only (after its arrivals and their sign-ins).

MD
"$build/bin/user-load" report "$(title "$a")" "$work/run-$a/results.tsv" \
    "$(title "$b")" "$work/run-$b/results.tsv"
read -r c1 p1 t1 s1 d1 <"$work/run-$a/checks.txt"
read -r c2 p2 t2 s2 d2 <"$work/run-$b/checks.txt"
cat <<MD

What was sold, checked in the database after each run ($(title "$a") / $(title "$b")):

| purchases created | paid | tokens | paid without a token | purchases with two tokens | warnings and errors in the nodes' logs |
|---|---|---|---|---|---|
| $c1 / $c2 | $p1 / $p2 | $t1 / $t2 | $s1 / $s2 | $d1 / $d2 | $(cat "$work/run-$a/log_errors") / $(cat "$work/run-$b/log_errors") |

MD
