#!/usr/bin/env bash
# `make test`: the set-up with Chromium, then pytest against the real PostGIS.
source "$(dirname "$0")/common.sh"
mkdir -p "$VAR/log"
pg_was_up=0; bash "$ROOT/scripts/pg.sh" status >/dev/null 2>&1 && pg_was_up=1
redis_was_up=0; [ -f "$VAR/redis/redis.pid" ] && pid_alive "$(cat "$VAR/redis/redis.pid")" && redis_was_up=1
cleanup() {
    [ $redis_was_up = 1 ] || bash "$ROOT/scripts/redis.sh" stop || true
    [ $pg_was_up = 1 ] || bash "$ROOT/scripts/pg.sh" stop || true
}
trap cleanup EXIT
bash "$ROOT/scripts/setup.sh" --browser
cd "$ROOT"
started=$SECONDS
"$PY" -m ruff check . || die "ruff tìm thấy lỗi." "ruff found problems."
# One pytest-xdist worker more than the cores, at most four: the browser tests mostly wait on Chromium and their live
# servers, so on 2 cores three workers ran the suite in 732 s where two took 882 (docs/operations.md).
# TEST_WORKERS=0: one process.
workers=$(( $(nproc) + 1 )); [ "$workers" -le 4 ] || workers=4
"$PY" -m pytest -n "${TEST_WORKERS:-$workers}" "$@"
say "Kiểm thử xong / tests done in $((SECONDS - started)) s"
