#!/usr/bin/env bash
# `make run`: set up, start the worker, load the demo ward once, serve at :8000.
# Ctrl-C stops what this run started; services that were already running stay up.
source "$(dirname "$0")/common.sh"
mkdir -p "$VAR/log"

LOCK="$VAR/run.pid"
if [ -f "$LOCK" ] && pid_alive "$(cat "$LOCK")"; then
    die "Cổng thông tin đang chạy rồi (pid $(cat "$LOCK")) tại http://127.0.0.1:$WEB_PORT — không khởi động lần hai." \
        "the portal is already running (pid $(cat "$LOCK")) at http://127.0.0.1:$WEB_PORT — not starting a second one."
fi
if port_in_use "$WEB_PORT"; then
    die "Cổng $WEB_PORT đang bị chương trình khác dùng. Dừng nó hoặc chạy: make run WEB_PORT=8001" \
        "port $WEB_PORT is taken by another program. Stop it or run: make run WEB_PORT=8001"
fi
echo $$ >"$LOCK"

pg_was_up=0; bash "$ROOT/scripts/pg.sh" status >/dev/null 2>&1 && pg_was_up=1
redis_was_up=0; [ -f "$VAR/redis/redis.pid" ] && pid_alive "$(cat "$VAR/redis/redis.pid")" && redis_was_up=1

cleanup() {
    trap - INT TERM EXIT
    echo
    say "Dừng / stopping"
    bash "$ROOT/scripts/worker.sh" stop || true
    [ $redis_was_up = 1 ] || bash "$ROOT/scripts/redis.sh" stop || true
    [ $pg_was_up = 1 ] || bash "$ROOT/scripts/pg.sh" stop || true
    rm -f "$LOCK"
}
trap cleanup INT TERM EXIT

bash "$ROOT/scripts/setup.sh"
# Production-grade serving, as in docker/: gunicorn with uvicorn workers (ASGI: the leaders' live streams share one
# PostgreSQL LISTEN connection per process, gisportal/event_hub.py, instead of a thread each), DEBUG off,
# static files from whitenoise, a secret key generated once per checkout and kept in var/.
export DEBUG="${DEBUG:-0}"
export SECRET_KEY_FILE="${SECRET_KEY_FILE:-$VAR/secret-key}"
[ -s "$SECRET_KEY_FILE" ] || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$SECRET_KEY_FILE")
bash "$ROOT/scripts/worker.sh" start
# Collected once per change, so whitenoise serves the compressed copies (DEBUG off reads only STATIC_ROOT).
"$PY" "$ROOT/manage.py" collectstatic --noinput -v0 || die "Không gom được tệp tĩnh (collectstatic)." "collectstatic failed."

# The demo accounts' password: generated once per checkout, kept in var/.
PWFILE="$VAR/demo-password"
[ -s "$PWFILE" ] || "$PY" -c 'import secrets; print(secrets.token_urlsafe(9))' >"$PWFILE"
DEMO_PASSWORD="$(cat "$PWFILE")"
cd "$ROOT"
"$PY" manage.py seed_demo --password "$DEMO_PASSWORD"
# The demo has the ward and, 30 km south, the forest board's Cần Giờ commune: open the maps on the ward.
if [ -z "${PORTAL_HOME_WARDS:-}" ]; then
    PORTAL_HOME_WARDS="$("$PY" manage.py shell --no-imports -v 0 -c 'from layers.demo import WARD_CODE; print(WARD_CODE)')"
    export PORTAL_HOME_WARDS
fi

cat <<MSG

  Cổng thông tin GIS phường / ward GIS portal:  http://127.0.0.1:$WEB_PORT
  API docs:                                     http://127.0.0.1:$WEB_PORT/api/docs/
  Tài khoản mẫu / demo logins (mật khẩu / password: $DEMO_PASSWORD)
    khupho    cán bộ khu phố / khu phố officer
    canbo     cán bộ phường / ward officer
    diachinh  cán bộ địa chính / land officer
    lanhdao   lãnh đạo / district leader
    quantri   quản trị / administrator
  Ctrl-C để dừng / to stop.

MSG
"$VENV/bin/gunicorn" gisportal.asgi:application --bind "127.0.0.1:$WEB_PORT" \
    --workers "${WEB_WORKERS:-2}" --worker-class uvicorn_worker.UvicornWorker --timeout 120 --graceful-timeout 10 \
    --access-logfile "$VAR/log/access.log" --error-logfile - --log-level warning
