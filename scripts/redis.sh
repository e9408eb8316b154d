#!/usr/bin/env bash
# A project-local Redis (Debian's binary) on loopback, the Celery broker and result store.
# usage: scripts/redis.sh start|stop
source "$(dirname "$0")/common.sh"
DIR="$VAR/redis"
PIDF="$DIR/redis.pid"

running() { [ -f "$PIDF" ] && pid_alive "$(cat "$PIDF")"; }

case "${1:-}" in
start)
    mkdir -p "$DIR" "$VAR/log"
    running && exit 0
    if port_in_use "$REDIS_PORT"; then
        die "Cổng Redis $REDIS_PORT đang bị chương trình khác dùng. Đặt REDIS_PORT=<cổng khác>." \
            "Redis port $REDIS_PORT is taken by another program. Set REDIS_PORT=<another port>."
    fi
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DIR" --daemonize yes \
        --pidfile "$PIDF" --logfile "$VAR/log/redis.log" --save "" --appendonly no >/dev/null \
        || die "Redis không khởi động được (xem var/log/redis.log)." "Redis did not start (see var/log/redis.log)."
    for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && exit 0; sleep 0.1; done
    die "Redis không trả lời (xem var/log/redis.log)." "Redis does not answer (see var/log/redis.log)."
    ;;
stop)
    running && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
