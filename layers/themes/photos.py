"""Photos of ward-defined layers' features: uploaded from the map editor (a phone's camera included), checked and
cleaned as citizens' report photos are (`layers/reports/photos.py`: type by content, size, dimensions, a JPEG
re-encoded without EXIF), kept under MEDIA_ROOT/themes/<layer>/ and named by a random token.

The feature stores the photo's address (`/api/v1/themes/<layer>/photos/<token>.jpg`) in its photo field, so the
photo is shown wherever the field is: a private field's address is never sent to a citizen.
"""

from __future__ import annotations

import re
import secrets
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from layers.reports.photos import check
from layers.themes.models import ThemeLayer

TOKEN = re.compile(r"[0-9a-f]{24}")


def _path(slug: str, token: str) -> str:
    return f"themes/{slug}/{token}.jpg"


def store(row: ThemeLayer, upload: IO[bytes], name: str) -> str:
    """The checked photo's clean copy saved; its address to put in a photo field."""
    checked = check(upload, name)
    token = secrets.token_hex(12)
    default_storage.save(_path(row.slug, token), ContentFile(checked.public))
    return reverse("theme-photo", args=[row.slug, token])


def opened(slug: str, token: str) -> IO[bytes] | None:
    """The stored photo, or None when there is none by this name."""
    if not TOKEN.fullmatch(token) or not default_storage.exists(_path(slug, token)):
        return None
    return default_storage.open(_path(slug, token), "rb")
