#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only those that are missing.
# usage: scripts/system-deps.sh [--browser]
source "$(dirname "$0")/common.sh"

# postgresql-15 itself is deliberately not named: the machine has it, and naming
# it would upgrade the server and libpq under anything already running.
PKGS=(postgresql-15-postgis-3 gdal-bin binutils redis-server gettext nodejs npm)
[ "${1:-}" = "--browser" ] && PKGS+=(chromium fonts-liberation python3-qgis qgis-providers)  # tests: the browser, QGIS as a client

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        # node/npm may come from elsewhere (nodesource, nvm): a working binary is enough.
        if { [ "$p" = nodejs ] && command -v node >/dev/null; } || { [ "$p" = npm ] && command -v npm >/dev/null; }; then
            continue
        fi
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

say "Cài gói Debian còn thiếu / installing missing Debian packages: ${missing[*]}"
SUDO=""
if ! is_root; then
    command -v sudo >/dev/null || die "Cần quyền root để cài: ${missing[*]}" "root (or sudo) is needed to install: ${missing[*]}"
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq >"$ROOT/var/log/apt.log" 2>&1 \
   || ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$ROOT/var/log/apt.log" 2>&1; then
    tail -n 15 "$ROOT/var/log/apt.log" >&2
    die "Không cài được gói Debian: ${missing[*]} (xem var/log/apt.log; kiểm tra mạng hoặc nguồn apt)." \
        "could not install Debian packages: ${missing[*]} (see var/log/apt.log; check the network or apt sources)."
fi
