#!/usr/bin/env bash
# Benchmarks run against their own database, so a million demo rows never land in the dev one.
source "$(dirname "$0")/common.sh"
# BENCH_DB names another one (a helper's own, a second scale kept beside the first).
BENCH_DB="${BENCH_DB:-gisportal_bench}"
export DATABASE_URL="postgis://postgres@127.0.0.1:$PG_PORT/$BENCH_DB"
if ! "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$BENCH_DB'" | grep -q 1; then
    "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE \"$BENCH_DB\""
fi
cd "$ROOT"
bash "$ROOT/scripts/venv.sh" bench
"$PY" manage.py migrate --noinput -v0
"$PY" bench/radius.py "$@"
"$PY" bench/tiles_vector.py "$@"
"$PY" bench/tiles.py
