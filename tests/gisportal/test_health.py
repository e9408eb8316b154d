"""The health endpoint against the real database, Redis and a real Celery worker."""

from __future__ import annotations

from django.test import Client


def test_all_dependencies_up(db, celery_worker):
    response = Client().get("/api/health/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["postgis"].startswith("3.")
    assert body["checks"]["worker"]["workers"] >= 1


def test_redis_down_is_503_and_named(db, settings, celery_worker):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_celery_task_round_trip(celery_worker):
    from gisportal.celery import ping

    assert ping.delay().get(timeout=20) == "pong"
