"""Who may read an acquisition's pixels, decided once and carried by the tile URLs.

The rule is gisportal.permissions' (land officers of the ward, leaders, admins). The API and the
TileJSON hand out tile URLs with a signed key (user, acquisition, COG, hour); a tile request with a
valid key is then served without the session or the database, like TiTiler serves a tile, because
the decision was made when the key was issued, at most KEY_HOURS ago. Without a key, the session
decides, and that decision is remembered for ACCESS_SECONDS.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from django.core.signing import BadSignature, Signer

from gisportal.permissions import Domain, scope_private
from imagery.models import Acquisition
from imagery.tiles import Source

KEY_HOURS = 2
SALT = "imagery.tiles"
# A revoked ward keeps tiles ≤ 1 min through the session, ≤ KEY_HOURS through keys already handed out.
ACCESS_SECONDS = 60
FIELDS = ("id", "ward_id", "cog_name", "footprint", "dtype", "rescale", "minzoom", "maxzoom", "title")
_SOURCES: dict[str, Source] = {}  # by COG name: what a COG holds never changes


def visible_acquisitions(user):
    return scope_private(Acquisition.objects.all(), user, Domain.LAND)


def _hour() -> int:
    return int(time.time() // 3600)


def sign(user, acquisition: Acquisition | Source) -> str:
    """A key to `acquisition`'s tiles for `user`; the same all hour long, so browsers can cache the URLs."""
    return Signer(salt=SALT).sign(f"{user.pk}|{acquisition.pk}|{_hour()}|{acquisition.cog_name}")


def tiles_url(user, acquisition: Acquisition | Source, fmt: str = "png") -> str:
    return f"/imagery/{acquisition.pk}/tiles/{{z}}/{{x}}/{{y}}.{fmt}?key={sign(user, acquisition)}"


def cog_of_key(key: str, pk: int) -> str | None:
    """The COG name a valid, unexpired key for acquisition `pk` grants; None otherwise."""
    try:
        _user, acquisition, hour, cog_name = Signer(salt=SALT).unsign(key).split("|", 3)
    except (BadSignature, ValueError):
        return None
    if acquisition != str(pk) or not 0 <= _hour() - int(hour) < KEY_HOURS:
        return None
    return cog_name


def source_of_cog(cog_name: str) -> Source | None:
    """The serving description of a COG (kept in this process), or None if no acquisition has it."""
    found = _SOURCES.get(cog_name)
    if found is None:
        acquisition = Acquisition.objects.only(*FIELDS).filter(cog_name=cog_name).first()
        if acquisition is None:
            return None
        found = _SOURCES[cog_name] = Source.of(acquisition)
    return found


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
