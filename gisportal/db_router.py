"""Read replicas: the public read endpoints read from PostgreSQL streaming replicas, everything else the primary.

Replicas are named by REPLICA_URLS (settings: DATABASES["replica_0"], …). A request is sent to a replica only when
all of these hold (`ReplicaMiddleware`):
- it is a GET or HEAD of a public read route (`PUBLIC_READS`: vector tiles, OGC reads, the radius scan, the name
  check, the geocoder), which answer the same for every reader and tolerate data a second old;
- it is anonymous (no session cookie, no Authorization header): officers read the primary, so their own edits,
  private fields and token bookkeeping (a write) never meet a replica;
- the client has not written in the last REPLICA_PIN_SECONDS: any unsafe request (a save, a login) sets a short
  cookie that sends that client's next reads to the primary, so an officer reads what they just wrote.
Writes always go to the primary (`db_for_write`), and so does every read outside such a request: pages, officers'
lists, imports, Celery tasks, management commands. A replica is chosen at random per request.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import re
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connections

# Paths (without the leading slash) whose GET/HEAD may read a replica.
PUBLIC_READS = re.compile(
    r"^(?:tiles/"
    r"|ogc(?:/|$)"
    r"|api/v1/businesses/(?:radius|name-check)$"
    r"|api/v1/geocode(?:/reverse|/suggest)?$)"
)
PIN_COOKIE = "db_primary_until"
_replica: contextvars.ContextVar[str | None] = contextvars.ContextVar("gisportal_replica", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class ReplicaRouter:
    """Reads inside a public read request go to that request's replica; all else to "default"."""

    def db_for_read(self, model, **hints) -> str:
        return _replica.get() or "default"

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas are copies of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"


def _signed_in(request) -> bool:
    """A session or a token: officers read the primary (their own writes, private fields, token bookkeeping)."""
    return bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.headers.get("Authorization"))


def _pinned(request) -> bool:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def anonymous_replica(request) -> str | None:
    """A replica for a GET of a public read route by an anonymous, unpinned client (the ASGI fast path's
    requests are all such GETs), or None for the primary."""
    aliases = replica_aliases()
    if aliases and PUBLIC_READS.match(request.path_info.lstrip("/")) and not _pinned(request):
        return random.choice(aliases)
    return None


@contextlib.contextmanager
def reading_from(alias: str) -> Iterator[None]:
    """This thread reads `alias` for the block, raw SQL on `django.db.connection` included."""
    # The hot paths run raw SQL on `django.db.connection` (radius, tiles), which no router sees: for this
    # request, this thread's "default" connection *is* the replica's. Django keeps connections per thread
    # (ConnectionHandler._connections), and a request's sync code runs in one thread under WSGI and ASGI.
    local = connections._connections  # type: ignore[attr-defined]  # Django keeps no public handle on it
    saved = getattr(local, "default", None)
    token = _replica.set(alias)
    local.default = connections[alias]
    try:
        yield
    finally:
        _replica.reset(token)
        if saved is None:
            del local.default
        else:
            local.default = saved


class ReplicaMiddleware:
    """Chooses the request's database; pins a client that writes to the primary for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.aliases = replica_aliases()

    def __call__(self, request):
        alias = None
        if (
            self.aliases
            and request.method in ("GET", "HEAD")
            and PUBLIC_READS.match(request.path_info.lstrip("/"))
            and not _signed_in(request)
            and not _pinned(request)
        ):
            alias = random.choice(self.aliases)
        if alias is None:
            return self._after(request, self.get_response(request))
        with reading_from(alias):
            return self.get_response(request)

    def _after(self, request, response):
        if self.aliases and request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
        return response
