#!/usr/bin/env bash
# Start the Kore core for a hydrosync.conf and wait until it serves.
#
#   kore.sh CONF RUNDIR [--background]
#
# Generates RUNDIR/kore.conf from CONF, starts kore with it and waits (60 s
# at most) for GET /healthz.  In the foreground (make run) it then waits for
# kore to exit and passes Ctrl-C on; with --background it prints kore's pid
# and returns, leaving logs in RUNDIR/kore.log (the tests use this).
#
# As root, Kore's workers drop to $HS_USER (default hydrosync) and Kore
# skips its chroot (-n): a chroot would hide the PostgreSQL socket, the
# plugins' own libraries, PKCS#11 token files, DNS and the CA bundle from
# the workers.  The workers stay confined by the unprivileged user and
# Kore's seccomp sandbox.  As another user, Kore runs with -n -r.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
conf=$(realpath "${1:?usage: kore.sh CONF RUNDIR [--background]}")
rundir=$(realpath -m "${2:?missing RUNDIR}")
mode=${3:-}
HS_USER=${HS_USER:-hydrosync}
build=${HS_BUILD:-build}

mkdir -p "$rundir"
flags=(-f -n)
runas=()
if [ "$(id -u)" -eq 0 ]; then
	runas=(--runas "$HS_USER")
else
	flags+=(-r)
fi
"$top/$build/bin/hydrosync" config kore "$conf" \
    --module "$top/$build/lib/hydrosync.so" --pidfile "$rundir/kore.pid" \
    "${runas[@]}" >"$rundir/kore.conf"
port=$(awk '$1 == "bind" { print $3 }' "$rundir/kore.conf" | head -1)
addr=$(awk '$1 == "bind" { print $2 }' "$rundir/kore.conf" | head -1)

# The working directory is the project, so relative paths in CONF
# (webroot, plugin files) mean the same to every process.
cd "$top"
# HS_PRELOAD: the sanitizer runtime, for an ASan build of the module.  Leak
# checking stays off inside Kore: LeakSanitizer needs ptrace, which the
# workers' seccomp sandbox forbids, and Kore keeps its config for life.
if [ -n "${HS_PRELOAD:-}" ]; then
	export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_odr_violation=0"
fi
# In the background (tests) the server gets a process group of its own, so
# that killing it (the crash tests kill the group) touches nothing else.
setsid=()
[ "$mode" = --background ] && setsid=(setsid)
HS_CONF=$conf LD_PRELOAD=${HS_PRELOAD:-} "${setsid[@]}" stdbuf -oL -eL kore "${flags[@]}" -c "$rundir/kore.conf" \
    >"$rundir/kore.log" 2>&1 &
pid=$!

for _ in $(seq 1 600); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "kore.sh: the server did not start; its log:" >&2
		tail -20 "$rundir/kore.log" >&2
		exit 1
	fi
	if curl -fs -o /dev/null "http://$addr:$port/healthz"; then
		break
	fi
	sleep 0.1
done
if ! curl -fs -o /dev/null "http://$addr:$port/healthz"; then
	echo "kore.sh: no answer on http://$addr:$port/healthz after 60 s" >&2
	kill "$pid" 2>/dev/null || true
	exit 1
fi

if [ "$mode" = --background ]; then
	echo "$pid"
	exit 0
fi

stop() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
trap stop INT TERM
echo "$pid" >"$rundir/kore.pid.wrapper"
tail -n +1 -f "$rundir/kore.log" --pid "$pid" &
wait "$pid" || true
