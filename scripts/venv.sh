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
log="$ROOT/var/log/pip.log"
# uv installs the lock in seconds where pip took two minutes (one core unpacking and byte-compiling ~180 wheels);
# uv itself comes from its own hash-pinned lock. --require-hashes either way: every package, dependencies included,
# must match the lock's sha256 (supply-chain check). pip is the fallback where uv cannot reach an index pip can
# (pip reads the machine's pip.conf: a mirror, a proxy's certificate).
if "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$ROOT/requirements/uv.txt" >"$log" 2>&1 &&
    "$VENV/bin/uv" pip install -q --python "$PY" --require-hashes -r "$lock" >>"$log" 2>&1; then
    :
else
    say "uv không cài được, dùng pip / uv failed, installing with pip (var/log/pip.log)"
    "$VENV/bin/pip" install -q --no-compile --disable-pip-version-check --require-hashes -r "$lock" >>"$log" 2>&1 || {
        grep -v '^WARNING' "$log" | tail -n 15 >&2
        die "Không cài được gói Python (xem var/log/pip.log)." "could not install the Python packages (see var/log/pip.log)."
    }
fi
echo "$want" >"$stamp"
