"""A Celery worker killed (SIGKILL) in the middle of a COG conversion: the job ends failed, never half-registered.

The worker runs on a queue of its own, so the session's shared test worker (tests/conftest.py) never takes the job.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from gisportal.celery import app
from imagery import ingest
from imagery.models import Acquisition, IngestJob
from tests.imagery.rasters import write_geotiff
from tests.ops.dbtools import ROOT, server_url

QUEUE = f"ops-kill-{os.getpid()}"


@pytest.fixture
def imagery_root(settings):
    root = Path(tempfile.mkdtemp(prefix="gisportal-ops-imagery-"))
    settings.IMAGERY_ROOT = root
    yield root
    subprocess.run(["rm", "-rf", str(root)], check=False)


def start_worker(root: Path, log: Path, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "IMAGERY_ROOT": str(root),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gisportal", "worker", "--pool=solo", "-Q", QUEUE,
         f"--hostname={name}-{os.getpid()}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5, destination=[f"{name}-{os.getpid()}@{os.uname().nodename}"])
        if replies:
            return proc
        assert proc.poll() is None, log.read_text()[-2000:]
    proc.kill()
    raise AssertionError(f"worker {name} did not answer: {log.read_text()[-2000:]}")


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_killed_worker_leaves_a_failed_job_and_no_files(live_world, imagery_root, tmp_path):
    upload = ingest.incoming_dir() / "upload-copy.tif"
    write_geotiff(upload, size=8192, seed=3)  # ~7 s of conversion on one core: long enough to kill it in
    job = ingest.start_path(
        upload, ward=live_world.ward_a, year=2026, acquired_on=dt.date(2026, 2, 1), title="", user=None, queue=False
    )
    IngestJob.objects.filter(pk=job.pk).update(source_is_upload=True)  # as an upload: our copy, to be removed

    first = start_worker(imagery_root, tmp_path / "worker1.log", "doomed")
    try:
        app.send_task(ingest.INGEST_TASK, args=[job.pk], queue=QUEUE)
        wait_for(
            lambda: IngestJob.objects.filter(pk=job.pk, stage="converting", progress__gt=5).exists(),
            60,
            "the conversion did not start",
        )
        assert list((imagery_root / "cogs").glob(f"j{job.pk}-*.work/*")), "no partial COG to leave behind"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

    job.refresh_from_db()
    assert job.status == IngestJob.Status.RUNNING  # the dead worker could not say anything
    assert Acquisition.objects.count() == 0

    second = start_worker(imagery_root, tmp_path / "worker2.log", "fresh")
    try:
        job = wait_for(
            lambda: IngestJob.objects.filter(pk=job.pk, status=IngestJob.Status.FAILED).first(),
            30,
            "the restarted worker did not fail the abandoned job",
        )
        assert job.error == "worker_lost"
        assert job.message.startswith("Tiến trình") and "stopped" in job.message_en
        assert Acquisition.objects.count() == 0
        assert not list((imagery_root / "cogs").iterdir()), "partial files were left behind"
        assert not upload.exists(), "the upload copy of a failed job was kept"

        # The restarted worker converts the next image end to end.
        again = tmp_path / "again.tif"
        write_geotiff(again, size=512, seed=4)
        job2 = ingest.start_path(
            again, ward=live_world.ward_a, year=2026, acquired_on=dt.date(2026, 2, 2), title="", user=None, queue=False
        )
        app.send_task(ingest.INGEST_TASK, args=[job2.pk], queue=QUEUE)
        done = wait_for(
            lambda: IngestJob.objects.filter(pk=job2.pk, status__in=["done", "failed"]).first(), 60, "second job"
        )
        assert done.status == "done", (done.error, done.message_en)
        assert Acquisition.objects.get().cog_path.is_file()
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=20)


def test_a_live_worker_keeps_its_job(live_world, imagery_root):
    """A running job whose worker's connection holds its lock is left alone; once that connection dies, reaped."""
    job = IngestJob.objects.create(
        ward=live_world.ward_a, year=2026, acquired_on=dt.date(2026, 1, 1), source_name="x.tif",
        source_path="/nonexistent/x.tif", status=IngestJob.Status.RUNNING, stage="converting",
    )  # fmt: skip
    worker = psycopg.connect(server_url(connection.settings_dict["NAME"]), autocommit=True)  # another worker
    assert worker.execute("SELECT pg_try_advisory_lock(%s, %s)", [ingest._LOCK_CLASS, job.pk]).fetchone()[0]
    assert ingest.reap_abandoned() == []
    job.refresh_from_db()
    assert job.status == IngestJob.Status.RUNNING
    backend = worker.info.backend_pid
    worker.close()  # the worker dies: the server drops its lock when its backend has exited, a moment later
    wait_for(lambda: not _backend_alive(backend), 10, "the dead worker's backend to exit")
    assert ingest.reap_abandoned() == [job.pk]
    job.refresh_from_db()
    assert job.status == IngestJob.Status.FAILED and job.error == "worker_lost"


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [pid])
        return cursor.fetchone()[0]
