#!/usr/bin/env bash
# Creates .venv and installs the pinned requirements; skipped when nothing changed.
source "$(dirname "$0")/common.sh"

stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
say "Cài môi trường Python / installing the Python environment (.venv)"
[ -x "$PY" ] || python3 -m venv "$VENV" || die "Không tạo được .venv (cần python3-venv)." "could not create .venv (python3-venv is needed)."
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt" >"$ROOT/var/log/pip.log" 2>&1 || {
    grep -v '^WARNING' "$ROOT/var/log/pip.log" | tail -n 15 >&2
    die "Không cài được gói Python (xem var/log/pip.log)." "could not install the Python packages (see var/log/pip.log)."
}
echo "$want" >"$stamp"
