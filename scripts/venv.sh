#!/usr/bin/env bash
# Creates .venv and installs a hash-pinned lock file (default requirements/dev.txt: the runtime plus tests and lint;
# `venv.sh bench` adds the benchmarks' anchors); skipped when that lock file has not changed since it was installed.
source "$(dirname "$0")/common.sh"

set_name="${1:-dev}"
lock="$ROOT/requirements/$set_name.txt"
[ -f "$lock" ] || die "Không có $lock." "no such lock file: $lock."
stamp="$VENV/.requirements-$set_name.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
say "Cài môi trường Python / installing the Python environment (.venv, requirements/$set_name.txt)"
[ -x "$PY" ] || python3 -m venv "$VENV" || die "Không tạo được .venv (cần python3-venv)." "could not create .venv (python3-venv is needed)."
mkdir -p "$ROOT/var/log"
# --require-hashes: every package, dependencies included, must match the lock's sha256 (supply-chain check).
"$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$lock" >"$ROOT/var/log/pip.log" 2>&1 || {
    grep -v '^WARNING' "$ROOT/var/log/pip.log" | tail -n 15 >&2
    die "Không cài được gói Python (xem var/log/pip.log)." "could not install the Python packages (see var/log/pip.log)."
}
echo "$want" >"$stamp"
