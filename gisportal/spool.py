"""Stored uploads waiting for their work (a GIS import between its preview and its commit, a big file for
the worker) live under SPOOL_DIR/uploads: never under MEDIA_ROOT, which nginx serves to anyone, and in a
folder the web and worker containers share (docker/compose.yml)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class SpoolStorage(FileSystemStorage):
    # Read at each use, not cached as FileSystemStorage does: tests and the worker point SPOOL_DIR elsewhere.
    @property
    def base_location(self) -> str:
        return str(Path(settings.SPOOL_DIR) / "uploads")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


_SPOOL = SpoolStorage()


def spool_storage() -> SpoolStorage:
    """The storage of a model's FileField (a callable, so migrations name it instead of pickling it)."""
    return _SPOOL
