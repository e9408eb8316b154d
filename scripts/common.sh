# Shared helpers for the project's shell scripts (sourced, not run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-54329}"
REDIS_PORT="${REDIS_PORT:-63790}"
WEB_PORT="${WEB_PORT:-8000}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:$PG_PORT/gisportal}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}"
# DEBUG is off by default, so every manage.py run needs a key: one per checkout, kept in var/ (run.sh uses it too).
[ -n "${SECRET_KEY:-}" ] || { export SECRET_KEY_FILE="${SECRET_KEY_FILE:-$VAR/secret-key}"; [ -s "$SECRET_KEY_FILE" ] || (umask 077; mkdir -p "$(dirname "$SECRET_KEY_FILE")"; python3 -c "import secrets; print(secrets.token_urlsafe(50))" >"$SECRET_KEY_FILE"); }

say()  { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
# Every failure is said in Vietnamese first, then English, and names the fix.
die()  { printf '\033[1;31mLỗi:\033[0m %s\n\033[1;31mError:\033[0m %s\n' "$1" "$2" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the database owner: postgres refuses to run as root.
as_pg() {
    # From /: postgres may not be allowed into the checkout, and would say so on every call.
    if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
