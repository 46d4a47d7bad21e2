#!/usr/bin/env bash
# make bench: runs every benchmark and writes build/bench/report.md.
#   bench/run.sh BENCH_PROGRAM...
# Each program prints a Markdown section; scripted benchmarks (those that
# need servers) live in bench/*/*.sh and do the same.
# HS_BENCH=NAME[,NAME...] runs only those: a script by its directory
# (HS_BENCH=load is bench/load/load.sh), a program by its file name.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p build/bench
report=build/bench/report.md
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "# HydroSync benchmarks"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, $(uname -sr)"
	echo
} >"$report"

selected() {
	[ -z "${HS_BENCH:-}" ] && return 0
	case ",$HS_BENCH," in *",$1,"*) return 0 ;; esac
	return 1
}

status=0
for prog in "$@"; do
	selected "$(basename "$prog")" || continue
	echo "bench: $prog" >&2
	if ! "$prog" >>"$report"; then
		echo "bench: $prog failed" >&2
		status=1
	fi
	echo >>"$report"
done
for script in $(ls bench/*/*.sh 2>/dev/null | sort); do
	selected "$(basename "$(dirname "$script")")" || continue
	echo "bench: $script" >&2
	if ! "$script" >>"$report"; then
		echo "bench: $script failed" >&2
		status=1
	fi
	echo >>"$report"
done
cat "$report"
exit $status
