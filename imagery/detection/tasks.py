"""Celery tasks of the detection app: one per tile of a run (see imagery/detection/runs.py)."""

from __future__ import annotations

from celery import shared_task

from imagery.detection import runs


@shared_task(name="detection.tile", acks_late=True)
def detect_tile(tile_id: int) -> str:
    """Detect in one window of a run's pair; the run's last tile merges and writes the flags."""
    return runs.run_tile(tile_id)
