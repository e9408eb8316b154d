"""Where the imagery app keeps its files: IMAGERY_ROOT, with `incoming/` (uploads being checked or
converted) and `cogs/` (the finished COGs, one per acquisition, each under a fresh name).

A leaf module (settings only), so that models, uploads, ingestion and tiles all find the same folders
without importing one another.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def imagery_root() -> Path:
    """Where COGs and uploads in progress live: outside MEDIA_ROOT, which nginx serves to anyone."""
    return Path(settings.IMAGERY_ROOT)


def _folder(name: str) -> Path:
    path = imagery_root() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def incoming_dir() -> Path:
    """Uploads streamed to disk, until their job has made the COG (or refused them)."""
    return _folder("incoming")


def cogs_dir() -> Path:
    return _folder("cogs")


def cog_path(cog_name: str) -> Path:
    """The COG of that name (the folder is not created: reading a missing COG must fail, not make folders)."""
    return imagery_root() / "cogs" / cog_name
