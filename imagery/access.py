"""Who may read an acquisition's pixels, decided once and carried by the tile URLs.

The rule is gisportal.permissions' (land officers of the ward, leaders, admins). The API and the
TileJSON hand out tile URLs with a signed, timestamped key (user, acquisition, COG); a tile request
with a key younger than KEY_SECONDS is then served without the session or the database, like TiTiler
serves a tile, because the decision was made when the key was issued. Without a key, the session
decides, and that decision is remembered for ACCESS_SECONDS.
"""

from __future__ import annotations

import functools
import time

from django.core.cache import caches
from django.core.signing import BadSignature, TimestampSigner, b62_encode

from gisportal.permissions import Domain, scope_private
from imagery.models import Acquisition
from imagery.tiles import Source

KEY_SECONDS = 2 * 3600
SALT = "imagery.tiles"
# A revoked ward keeps tiles ≤ 1 min through the session, ≤ KEY_SECONDS through keys already handed out.
ACCESS_SECONDS = 60
FIELDS = ("id", "ward_id", "cog_name", "footprint", "dtype", "rescale", "minzoom", "maxzoom", "title")
# Serving descriptions kept per process, the most recently used first.
SOURCES_KEPT = 512


class _HourSigner(TimestampSigner):
    """Stamps the start of the hour, not the second: a key stays the same all hour long, so the browser
    keeps caching the tile URLs across page loads. A key is thus accepted for 1–2 hours after it is issued."""

    def timestamp(self) -> str:
        return b62_encode(int(time.time()) // 3600 * 3600)


def visible_acquisitions(user):
    return scope_private(Acquisition.objects.all(), user, Domain.LAND)


def sign(user, acquisition: Acquisition | Source) -> str:
    """A key to `acquisition`'s tiles for `user`."""
    return _HourSigner(salt=SALT).sign(f"{user.pk}|{acquisition.pk}|{acquisition.cog_name}")


def tiles_url(user, acquisition: Acquisition | Source, fmt: str = "png") -> str:
    return f"/imagery/{acquisition.pk}/tiles/{{z}}/{{x}}/{{y}}.{fmt}?key={sign(user, acquisition)}"


def cog_of_key(key: str, pk: int) -> str | None:
    """The COG name a valid, unexpired key for acquisition `pk` grants; None otherwise."""
    try:
        _user, acquisition, cog_name = _HourSigner(salt=SALT).unsign(key, max_age=KEY_SECONDS).split("|", 2)
    except (BadSignature, ValueError):  # SignatureExpired is a BadSignature
        return None
    return cog_name if acquisition == str(pk) else None


@functools.lru_cache(maxsize=SOURCES_KEPT)
def _source(cog_name: str) -> Source:
    # Keyed by the COG's file name, fresh for every conversion (imagery/ingest.py): what a COG holds never
    # changes, and a re-ingested image is a new name, never a stale entry. A miss raises, and is not kept.
    return Source.of(Acquisition.objects.only(*FIELDS).get(cog_name=cog_name))


def source_of_cog(cog_name: str) -> Source | None:
    """The serving description of a COG (kept in this process), or None if no acquisition has it."""
    try:
        return _source(cog_name)
    except Acquisition.DoesNotExist:
        return None


def source_for_user(user, pk: int) -> Source | None:
    """The acquisition if `user` may see it (gisportal.permissions), remembered for ACCESS_SECONDS."""
    cache = caches["imagery"]
    # The join time too: a recreated database (tests) reuses ids, and must never meet an old decision.
    key = f"access:{user.pk}:{user.date_joined.timestamp()}:{pk}"
    found = cache.get(key)
    if found is None:
        acquisition = visible_acquisitions(user).only(*FIELDS).filter(pk=pk).first()
        found = Source.of(acquisition) if acquisition else False
        cache.set(key, found, ACCESS_SECONDS)
    return found or None
