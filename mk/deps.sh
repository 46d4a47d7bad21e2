#!/usr/bin/env bash
# Installs every Debian package HydroSync needs that is not installed yet.
# The lists are mk/packages.txt plus one file per subsystem in mk/deps.d/.
# Idempotent and fast: dpkg-query decides, apt-get runs only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's nodejs ships npm as a separate package; NodeSource's bundles
# it (and conflicts with Debian's npm), so ask for npm only when missing.
npm_check() {
	command -v npm >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] || { echo "deps: npm is missing; run as root" >&2; exit 1; }
	echo "deps: installing npm"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm >/tmp/hydrosync-apt.log 2>&1 ||
	    { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; }
}

wanted=$(cat mk/packages.txt mk/deps.d/*.txt 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $wanted; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && npm_check && exit 0

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
npm_check
