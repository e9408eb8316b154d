#!/usr/bin/env bash
# The project-local PostgreSQL 15 + PostGIS cluster in var/pg.
# usage: scripts/pg.sh start|stop|status
# Never deletes a cluster: an existing data folder is reused or refused, not wiped.
source "$(dirname "$0")/common.sh"

PGDATA="${GISPORTAL_PGDATA:-$VAR/pg}"
PGSOCK="${GISPORTAL_PGSOCK:-$VAR/pgsock}"
PGLOG="$VAR/log/postgres.log"
# glibc gives freed memory at the top of a backend's heap back to the system once 128 kB of it is free, unless the
# backend's history happened to raise that (a large mmap'd allocation freed once does). A backend that builds a
# 170 kB vector tile then grew its heap by ~2.5 MB and gave it back on every request, page-faulting it in again
# each time: 1.2-1.4 ms of a 6-8 ms tile (docs/speed.md, "Fourth pass"). Keeping up to 32 MB of free heap per
# backend costs that much memory at most and makes every backend as fast as a lucky one. docker/compose.yml sets
# the same for its PostGIS (tests/ops/test_deploy_config.py holds the two together).
PG_GLIBC_TUNABLES="glibc.malloc.trim_threshold=33554432"
# As root the server runs as 'postgres', which must be able to walk into the cluster's folder. A checkout
# under a locked parent (/root is mode 700) gets its cluster, socket and log in /var/lib/gisportal/<checkout
# hash> instead: still one per checkout, still never shared, and nothing to set by hand.
if is_root && [ -z "${GISPORTAL_PGDATA:-}" ] && ! runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
    PGHOME="/var/lib/gisportal/$(echo "$ROOT" | sha256sum | cut -c1-12)"
    mkdir -p "$PGHOME"; chmod 755 /var/lib/gisportal; chown postgres:postgres "$PGHOME"
    PGDATA="$PGHOME/pg"; PGSOCK="${GISPORTAL_PGSOCK:-$PGHOME/sock}"; PGLOG="$PGHOME/postgres.log"
    mkdir -p "$VAR"; echo "$PGHOME" >"$VAR/pg-location"
fi
# Unix socket paths are capped at 107 bytes; a deep checkout gets a short one in /tmp.
if [ $(( ${#PGSOCK} + 20 )) -gt 107 ]; then
    PGSOCK="/tmp/gisportal-$(echo "$ROOT" | sha256sum | cut -c1-8)"
fi

check_owner_access() {
    is_root || return 0
    local d; d="$(dirname "$PGDATA")"
    if ! runuser -u postgres -- test -x "$d"; then
        die "Người dùng 'postgres' không vào được $d (một thư mục cha bị khóa). Hãy đặt GISPORTAL_PGDATA vào một thư mục mà 'postgres' vào được, hoặc bỏ biến này để dự án tự chọn /var/lib/gisportal." \
            "the 'postgres' user cannot reach $d (a parent folder is locked). Point GISPORTAL_PGDATA at a folder 'postgres' can reach, or unset it and the project picks /var/lib/gisportal."
    fi
}

pg_running() {
    [ -f "$PGDATA/postmaster.pid" ] || return 1
    local pid; pid="$(head -n1 "$PGDATA/postmaster.pid")"
    pid_alive "$pid"
}

wait_ready() {
    for _ in $(seq 1 100); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && return 0
        sleep 0.1
    done
    tail -n 20 "$PGLOG" >&2
    die "PostgreSQL không khởi động được (xem $PGLOG)." "PostgreSQL did not start (see $PGLOG)."
}

sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

init_cluster() {
    say "Tạo cụm PostgreSQL / creating the PostgreSQL cluster in $PGDATA"
    mkdir -p "$PGDATA" "$PGSOCK"
    chmod 700 "$PGDATA"
    if is_root; then chown postgres:postgres "$PGDATA" "$PGSOCK"; fi
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$VAR/log/initdb.log" 2>&1 \
        || { tail -n 10 "$VAR/log/initdb.log" >&2; die "initdb thất bại (xem var/log/initdb.log)." "initdb failed (see var/log/initdb.log)."; }
    cat >>"$PGDATA/postgresql.conf" <<CONF
# gisportal: a local development and test cluster. Never use these in production.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_parallel_workers_per_gather = 0
jit = off
shared_buffers = 512MB
work_mem = 32MB
max_connections = 200
CONF
}

start() {
    mkdir -p "$VAR/log"
    check_owner_access
    if [ -e "$PGDATA" ] && [ ! -f "$PGDATA/PG_VERSION" ] && [ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]; then
        die "$PGDATA có dữ liệu nhưng không phải một cụm PostgreSQL; dự án sẽ không xóa nó. Hãy dời nó đi." \
            "$PGDATA holds files but is not a PostgreSQL cluster; the project will not delete it. Move it away."
    fi
    if [ -f "$PGDATA/PG_VERSION" ]; then
        [ "$(cat "$PGDATA/PG_VERSION")" = 15 ] || die "$PGDATA là cụm PostgreSQL $(cat "$PGDATA/PG_VERSION"), cần 15." "$PGDATA is a PostgreSQL $(cat "$PGDATA/PG_VERSION") cluster, 15 is needed."
        if is_root; then
            owner="$(stat -c %U "$PGDATA")"
            [ "$owner" = postgres ] || die "Thư mục dữ liệu $PGDATA thuộc về '$owner', không phải 'postgres'. Sửa: chown -R postgres:postgres $PGDATA" \
                "the data folder $PGDATA belongs to '$owner', not 'postgres'. Fix: chown -R postgres:postgres $PGDATA"
        elif [ ! -O "$PGDATA" ]; then
            die "Thư mục dữ liệu $PGDATA thuộc về người dùng khác ($(stat -c %U "$PGDATA"))." "the data folder $PGDATA belongs to another user ($(stat -c %U "$PGDATA"))."
        fi
    else
        init_cluster
    fi
    mkdir -p "$PGSOCK"; if is_root; then chown postgres:postgres "$PGSOCK"; fi
    # A cluster started without them is restarted (its environment unreadable counts as without).
    if pg_running && ! tr '\0' '\n' 2>/dev/null <"/proc/$(head -n1 "$PGDATA/postmaster.pid")/environ" \
        | grep -qx "GLIBC_TUNABLES=$PG_GLIBC_TUNABLES"; then
        say "Khởi động lại PostgreSQL với cấu hình bộ nhớ mới / restarting PostgreSQL with the new memory settings"
        stop
    fi
    if pg_running; then
        wait_ready
    else
        # A crash can leave postmaster.pid behind; pg_ctl refuses to start over it.
        [ -f "$PGDATA/postmaster.pid" ] && rm -f "$PGDATA/postmaster.pid"
        if port_in_use "$PG_PORT"; then
            die "Cổng $PG_PORT đang bị chương trình khác dùng. Dừng chương trình đó hoặc đặt PG_PORT=<cổng khác>." \
                "port $PG_PORT is taken by another program. Stop it or set PG_PORT=<another port>."
        fi
        touch "$PGLOG"; if is_root; then chown postgres "$PGLOG"; fi
        as_pg env GLIBC_TUNABLES="$PG_GLIBC_TUNABLES" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" \
            -o "-p $PG_PORT -k $PGSOCK" -w -t 30 start >/dev/null \
            || { tail -n 20 "$PGLOG" >&2; die "PostgreSQL không khởi động được (xem $PGLOG)." "PostgreSQL did not start (see $PGLOG)."; }
        wait_ready
    fi
    # Django builds test databases from template1, so the extensions live there too.
    sql -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS postgis_raster; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS unaccent;" 2>&1 | grep -v NOTICE || true
    if ! sql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='gisportal'" | grep -q 1; then
        sql -d postgres -c "CREATE DATABASE gisportal"
    fi
}

stop() {
    if pg_running; then as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; fi
}

status() { if pg_running; then echo "running on 127.0.0.1:$PG_PORT ($PGDATA)"; else echo "stopped"; return 3; fi; }

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
