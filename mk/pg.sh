#!/usr/bin/env bash
# The project's private PostgreSQL 15 cluster, never a system cluster.
#
#   pg.sh start DIR PORT   create the cluster in DIR if needed, start it
#   pg.sh stop DIR         stop it (fast shutdown)
#   pg.sh url DIR PORT     print the libpq conninfo for the app
#
# The cluster listens only on a unix socket in DIR/run (named after PORT).
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# unprivileged user $HS_USER (default hydrosync), created here if missing.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HS_USER=${HS_USER:-hydrosync}
action=${1:?usage: pg.sh start|stop|url DIR [PORT]}
dir=$(realpath -m "${2:?missing DIR}")
port=${3:-54329}

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$HS_USER" -- "$@"
	else
		"$@"
	fi
}

ensure_user() {
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] || return 0
	if ! id "$HS_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin \
		    --home-dir /nonexistent "$HS_USER"
	fi
	# The user must reach DIR through every parent directory.
	if ! runuser -u "$HS_USER" -- test -x "$(dirname "$dir")" 2>/dev/null; then
		echo "pg.sh: user $HS_USER cannot reach $(dirname "$dir");" \
		    "clone the project where other users can read it" \
		    "(not under /root)" >&2
		exit 1
	fi
}

case $action in
start)
	ensure_user
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$HS_USER" "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner mkdir -p "$dir/data" "$dir/run"
		as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust \
		    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2; exit 1; }
		cat >>"$dir/data/postgresql.conf" <<CONF
# HydroSync private cluster
listen_addresses = ''
unix_socket_directories = '$dir/run'
unix_socket_permissions = 0777
port = $port
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = on
logging_collector = off
CONF
	fi
	as_owner mkdir -p "$dir/run"
	if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" \
		    -o "-p $port -k $dir/run" -w -t 60 start >/dev/null
	fi
	psql="$PGBIN/psql -h $dir/run -p $port -U postgres -d postgres -qAtX"
	if [ "$($psql -c "SELECT 1 FROM pg_roles WHERE rolname='hydrosync'")" != 1 ]; then
		$psql -c "CREATE ROLE hydrosync LOGIN"
	fi
	if [ "$($psql -c "SELECT 1 FROM pg_database WHERE datname='hydrosync'")" != 1 ]; then
		$psql -c "CREATE DATABASE hydrosync OWNER hydrosync"
	fi
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	fi
	;;
url)
	echo "host=$dir/run port=$port dbname=hydrosync user=hydrosync"
	;;
*)
	echo "pg.sh: unknown action '$action'" >&2
	exit 2
	;;
esac
