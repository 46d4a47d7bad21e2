#!/usr/bin/env bash
# Runs HydroSync's test suite against one build and prints the totals.
#
#   tests/run.sh BUILD_DIR [UNIT_TEST...] -- [INTEGRATION_TEST...]
#
# Unit and integration test programs are cmocka programs run with TAP
# output; each "ok"/"not ok" line counts, and a program that crashes or
# exits non-zero without reporting a failure counts as one failure.  The
# integration tests get a private PostgreSQL cluster under BUILD_DIR/tests
# and a freshly migrated database.  The last line is "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:?usage: run.sh BUILD_DIR UNIT... -- INTEGRATION...}
shift
units=()
integ=()
seen_sep=0
for a in "$@"; do
	if [ "$a" = -- ]; then seen_sep=1; continue; fi
	if [ $seen_sep = 0 ]; then units+=("$a"); else integ+=("$a"); fi
done

# HS_TEST_SLOT=NAME runs a second suite beside one already running: its
# own PostgreSQL (port HS_TEST_PGPORT), logs, and no clean-up of the
# shared run directory.
slot=${HS_TEST_SLOT:-}
# Every server a test starts lives in tests/run/srv-<this suite>-...
export HS_TEST_SUITE=$$
logdir=$build/tests/logs${slot:+-$slot}
mkdir -p "$logdir"
[ -n "$slot" ] || rm -rf "$build/tests/run"
passed=0
failed=0
failures=()

run_program() {
	local prog=$1 name log ok notok rc
	name=${prog#"$build"/tests/}
	log=$logdir/${name//\//_}.log
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 600 "$prog" >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	notok=$(grep -c '^not ok ' "$log")
	passed=$((passed + ok))
	failed=$((failed + notok))
	if [ "$notok" -gt 0 ]; then
		failures+=("$name")
		echo "FAIL $name ($ok passed, $notok failed) — $log"
		grep -A3 '^not ok ' "$log" | head -20 | sed 's/^/     /'
	elif [ $rc -ne 0 ]; then
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL $name exited with status $rc — $log"
		tail -15 "$log" | sed 's/^/     /'
	else
		echo "ok   $name ($ok)"
	fi
}

# A server that a test started must not have reported a sanitizer error,
# a sandbox violation or a crash, even if every assertion passed.
check_server_logs() {
	local prog=$1 before=$2 dir bad
	for dir in $(ls -d "$build"/tests/run/srv-"$HS_TEST_SUITE"-* 2>/dev/null | sort); do
		grep -qxF "$dir" <<<"$before" && continue
		[ -f "$dir/kore.log" ] || continue
		bad=$(grep -E 'ERROR: AddressSanitizer|runtime error:|sandbox violation|LeakSanitizer|DEADLYSIGNAL' "$dir/kore.log" | head -3)
		if [ -n "$bad" ]; then
			failed=$((failed + 1))
			failures+=("${prog#"$build"/tests/} (server log)")
			echo "FAIL ${prog#"$build"/tests/}: its server reported in $dir/kore.log:"
			sed 's/^/     /' <<<"$bad"
		fi
	done
}

for prog in "${units[@]}"; do
	run_program "$prog"
done

if [ ${#integ[@]} -gt 0 ]; then
	pgdir=$build/tests/pg${slot:+-$slot}
	pgport=${HS_TEST_PGPORT:-55432}
	if ! mk/pg.sh start "$pgdir" "$pgport" >"$logdir/pg.log" 2>&1; then
		echo "FAIL could not start the test PostgreSQL:"
		cat "$logdir/pg.log"
		failed=$((failed + 1))
	else
		sock=$(realpath "$pgdir")/run
		psql="/usr/lib/postgresql/15/bin/psql -h $sock -p $pgport -U postgres -d postgres -qAtX"
		# One migrated template; each program gets a fresh copy, so no
		# test's data (or throttled logins) leaks into another's.
		$psql -c "DROP DATABASE IF EXISTS hs_template WITH (FORCE)" >/dev/null
		$psql -c "CREATE DATABASE hs_template OWNER hydrosync" >/dev/null
		export HS_TOP=$top HS_BUILD=$build HS_TEST_PGDIR=$pgdir HS_TEST_PGPORT=$pgport
		if ! "$build/bin/hydrosync" db migrate --database \
		    "host=$sock port=$pgport dbname=hs_template user=hydrosync" \
		    >"$logdir/migrate.log" 2>&1; then
			echo "FAIL migrations:"; cat "$logdir/migrate.log"
			failed=$((failed + 1))
		else
			echo "ok   migrations applied"
			for prog in "${integ[@]}"; do
				$psql -c "DROP DATABASE IF EXISTS hs_test WITH (FORCE)" >/dev/null
				$psql -c "CREATE DATABASE hs_test OWNER hydrosync TEMPLATE hs_template" >/dev/null
				export HS_TEST_PGURL="host=$sock port=$pgport dbname=hs_test user=hydrosync"
				before=$(ls -d "$build"/tests/run/srv-"$HS_TEST_SUITE"-* 2>/dev/null | sort)
				run_program "$prog"
				check_server_logs "$prog" "$before"
			done
		fi
		# A test that failed between starting a server and stopping it
		# leaves the server running: stop every one still alive.
		for pidfile in "$build"/tests/run/srv-"$HS_TEST_SUITE"-*/pid; do
			[ -f "$pidfile" ] || continue
			pid=$(cat "$pidfile")
			[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
			    kill "$pid" 2>/dev/null
		done
		sleep 0.5
		mk/pg.sh stop "$pgdir" >/dev/null 2>&1
	fi
fi

echo
if [ $failed -gt 0 ]; then
	echo "failed: ${failures[*]:-see above}"
fi
echo "$passed $failed" >"$build/tests/summary"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
