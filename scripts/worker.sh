#!/usr/bin/env bash
# One Celery worker in the background, for `make run`, with the beat scheduler embedded (-B: one worker here, so
# periodic tasks such as the figure snapshots are sent once).
# usage: scripts/worker.sh start|stop
source "$(dirname "$0")/common.sh"
PIDF="$VAR/celery.pid"
case "${1:-}" in
start)
    if [ -f "$PIDF" ] && pid_alive "$(cat "$PIDF")"; then exit 0; fi
    cd "$ROOT"
    "$VENV/bin/celery" -A gisportal worker -B --schedule="$VAR/celerybeat-schedule" --loglevel=INFO --concurrency=2 \
        --pidfile="$PIDF" --logfile="$VAR/log/celery.log" --detach \
        || die "Không khởi động được Celery worker (xem var/log/celery.log)." "the Celery worker did not start (see var/log/celery.log)."
    ;;
stop)
    if [ -f "$PIDF" ] && pid_alive "$(cat "$PIDF")"; then
        kill "$(cat "$PIDF")"
        for _ in $(seq 1 50); do pid_alive "$(cat "$PIDF" 2>/dev/null)" || break; sleep 0.1; done
    fi
    ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
