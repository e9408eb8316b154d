"""Uploaded files of the layer tests (imports) go to a temporary SPOOL_DIR and MEDIA_ROOT, never var/."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SPOOL_DIR = tmp_path / "spool"
