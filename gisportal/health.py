"""`/api/health/`: is the database, Redis and a Celery worker answering, and are the read replicas close behind?"""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection, connections
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from gisportal.celery import app as celery_app
from gisportal.db_router import replica_aliases


def check_database() -> dict:
    with connection.cursor() as cur:
        cur.execute("SELECT postgis_lib_version()")
        return {"ok": True, "postgis": cur.fetchone()[0]}


def check_redis() -> dict:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()
    return {"ok": True}


def check_worker(timeout: float = 2.0) -> dict:
    # limit=1: answer as soon as one worker replies instead of waiting out the timeout.
    replies = celery_app.control.ping(timeout=timeout, limit=1)
    if not replies:
        return {"ok": False, "reason": "no worker answered"}
    return {"ok": True, "workers": len(replies)}


def check_replicas() -> dict:
    """Each read replica (gisportal/db_router.py): in recovery (a standby) and how far behind the primary it is."""
    found = {}
    for alias in replica_aliases():
        with connections[alias].cursor() as cur:
            # 0 when everything received is replayed; else the age of the last transaction replayed.
            cur.execute(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            standby, lag = cur.fetchone()
        found[alias] = {"standby": standby, "lag_s": round(float(lag or 0), 3)}
    ok = all(r["standby"] and r["lag_s"] <= settings.REPLICA_MAX_LAG_S for r in found.values())
    return {"ok": ok, "replicas": found}


CHECKS = {"database": check_database, "redis": check_redis, "worker": check_worker, "replicas": check_replicas}


@extend_schema(responses={200: dict, 503: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def health(request) -> JsonResponse:
    """200 when every dependency answers, 503 with the failing ones otherwise."""
    result: dict = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result[name] = check()
        except Exception as exc:  # noqa: BLE001 — any failure of a dependency is a "down", reported by name
            result[name] = {"ok": False, "reason": type(exc).__name__}
        result[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    ok = all(part["ok"] for part in result.values())
    return JsonResponse({"status": "ok" if ok else "degraded", "checks": result}, status=200 if ok else 503)
