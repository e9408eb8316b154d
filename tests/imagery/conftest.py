"""Imagery tests: their own IMAGERY_ROOT (shared with the Celery worker), and helpers to follow a job."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

# Set before the session's Celery worker starts (it inherits os.environ), so that the worker and
# this process read and write the same folder, and the tests can check it is left empty.
ROOT = Path(tempfile.mkdtemp(prefix="gisportal-imagery-test-"))
os.environ["IMAGERY_ROOT"] = str(ROOT)
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def imagery_root(settings):
    """The shared folder, emptied after each test (so each can check that a refusal leaves nothing)."""
    settings.IMAGERY_ROOT = ROOT
    yield ROOT
    for path in ROOT.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def wait_for_job(job_id: int, timeout: float = 90):
    """The job once the worker has finished it (done or failed)."""
    from imagery.models import IngestJob

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = IngestJob.objects.get(pk=job_id)
        if job.status in (IngestJob.Status.DONE, IngestJob.Status.FAILED):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not finished after {timeout} s: {job.status} {job.progress}%")
