"""Celery tasks of the detection app: one per tile of a run (see imagery/detection/runs.py)."""

from __future__ import annotations

import os

from celery import shared_task
from celery.signals import worker_init

from imagery.detection import runs


@worker_init.connect
def _one_predict_thread_per_process(**_) -> None:
    """A worker's processes predict on one OpenMP thread each unless DETECTION_THREADS says otherwise.

    Set before any child forks and before the detector loads (detector.set_threads reads it then): with two
    worker processes on two cores, each one's classifier would otherwise start a thread per core, and the
    spinning OpenMP threads of one process steal the other's core (the two-worker speed-up goes with it).
    """
    os.environ.setdefault("DETECTION_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", os.environ["DETECTION_THREADS"])


@shared_task(name=runs.TILE_TASK, acks_late=True)
def detect_tile(tile_id: int) -> str:
    """Detect in one window of a run's pair; the run's last tile merges and writes the flags."""
    return runs.run_tile(tile_id)
