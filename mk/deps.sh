#!/usr/bin/env bash
# Installs every Debian package HydroSync needs that is not installed yet.
# The lists are mk/packages.txt plus one file per subsystem in mk/deps.d/.
# Idempotent and fast: dpkg-query decides, apt-get runs only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=$(cat mk/packages.txt mk/deps.d/*.txt 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $wanted; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages and not root; run as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh them once when needed.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/hydrosync-apt.log 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
