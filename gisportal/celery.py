"""The Celery app: Redis broker, tasks discovered in each Django app's tasks.py."""

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")

app = Celery("gisportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="gisportal.ping")
def ping() -> str:
    """Round trip through the broker and a worker: the health check's proof of life."""
    return "pong"


def worker_command(hostname: str, *options: str) -> list[str]:
    """The command line of one worker in the foreground running one task at a time (the solo pool): for the tests
    and benchmarks that start workers of their own. ``hostname`` may use Celery's ``%h``."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "gisportal",
        "worker",
        "--pool=solo",
        f"--hostname={hostname}",
        *options,
    ]
