"""The Celery app: Redis broker, tasks discovered in each Django app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")

app = Celery("gisportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="gisportal.ping")
def ping() -> str:
    """Round trip through the broker and a worker: the health check's proof of life."""
    return "pong"
