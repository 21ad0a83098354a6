#!/usr/bin/env bash
# Install the Debian packages a make target needs, when they are missing.
# Usage: scripts/deps.sh build|test|bench|fuzz ...
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -euo pipefail

pkgs_build="gcc make pkg-config meson ninja-build libh2o-evloop-dev libssl-dev libjansson-dev
  libsqlite3-dev libunistring-dev libsodium-dev libcurl4-openssl-dev libmagic-dev libjs-bootstrap5
  libjs-chart.js"
pkgs_test="libcmocka-dev valgrind python3-pytest python3-requests python3-bs4 python3-selenium
  chromium chromium-driver curl python3-aiosmtpd"
pkgs_bench="nginx-light wrk curl sqlite3"
pkgs_fuzz="clang libclang-rt-14-dev"

want=""
for group in "$@"; do
	case "$group" in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_build $pkgs_test" ;;
	bench) want="$want $pkgs_build $pkgs_bench" ;;
	fuzz) want="$want $pkgs_build $pkgs_fuzz" ;;
	*) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "motcua needs these Debian packages; install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
