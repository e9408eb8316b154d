"""How fast a client may call the API: per client address for anonymous callers, per user for officers.

Counts live in Redis (the `throttle` cache), shared by every web process, so a limit is the portal's and
not one gunicorn worker's. A count is a fixed window: one INCR (with EXPIRE NX in the same round trip) per
request, instead of DRF's read-modify-write of a list of timestamps (two round trips and a pickle of up to
N floats). Rates are read from `settings.THROTTLE_RATES` on every request, so a deployment or a test changes
them with the setting. A throttled call is a 429 with a Vietnamese-then-English message and `Retry-After`
(gisportal/errors.py); the ASGI fast path (gisportal/fastpath.py) counts through the same `over_limit`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request: Any) -> str | None:
    """The caller's address: REMOTE_ADDR, or behind NUM_PROXIES trusted proxies (docker/nginx.conf sets
    X-Forwarded-For) the address the outermost of them saw. Throttles and the login lockout share it."""
    meta = getattr(request, "META", {})
    proxies = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return meta.get("REMOTE_ADDR") or None  # none: a login made in code (tests' force_login)


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "300/min" → (300, 60); None or "" → None (no limit)."""
    if not rate:
        return None
    num, period = rate.split("/")
    return int(num), _SECONDS[period[0]]


def over_limit(scope: str, ident: object) -> int | None:
    """Count one request of `ident` in `scope`; the seconds to wait when it is over the limit, else None."""
    return count_later(scope, ident).result()


def count_later(scope: str, ident: object) -> Pending:
    """Send one request's count to Redis and return at once; `result()` reads the verdict.

    The ASGI fast path sends it before the request's database work and reads it after: Redis counts while
    PostgreSQL works, where waiting for the count first cost a round trip (0.25-0.3 ms of the 0.9 ms empty
    answer, docs/speed.md "Sixth pass"). For a client this process last saw over its limit the verdict is read
    at once (`known`), so an abuser's refused requests never reach the database; Redis stays the only judge, so
    clearing its counts frees the client at once.
    """
    rate = settings.THROTTLE_RATES.get(scope)
    parsed = parse_rate(rate)
    if parsed is None:
        return Pending()
    limit, window = parsed
    client, make_key = _counter()
    key = make_key(f"{scope}:{ident}")
    conn = None
    try:
        conn = client.connection_pool.get_connection()
        # NX: the window starts at its first request and a busy client cannot push its end further away.
        conn.send_packed_command(conn.pack_commands([("INCR", key), ("EXPIRE", key, window, "NX")]))
    except (RedisError, OSError):
        if conn is not None:
            conn.disconnect()
            client.connection_pool.release(conn)
        log.warning("throttle counts unavailable (Redis): request not limited")
        return Pending()
    pending = Pending(client=client, conn=conn, key=(key, rate), limit=limit)
    if _blocked.get((key, rate), 0.0) > time.monotonic():
        pending.result()  # a client last seen over its limit waits for the verdict, and no work starts before it
    return pending


class Pending:
    """One request's count on its way to Redis (count_later)."""

    def __init__(
        self,
        known: int | None = None,
        client: redis.Redis | None = None,
        conn: Any = None,
        key: tuple[str, str | None] = ("", None),
        limit: int = 0,
    ):
        self.known = known  # the verdict once read: the seconds to wait, or None
        self._client, self._conn, self._key, self._limit = client, conn, key, limit

    def result(self) -> int | None:
        """The seconds to wait when the request is over its limit, else None (also when Redis failed)."""
        conn, client = self._conn, self._client
        if conn is None or client is None:
            return self.known
        self._conn = None
        try:
            count = conn.read_response()
            conn.read_response()
            if count <= self._limit:
                _blocked.pop(self._key, None)
                return None
            wait = max(1, int(client.ttl(self._key[0])))
        except (RedisError, OSError):
            conn.disconnect()
            log.warning("throttle counts unavailable (Redis): request not limited")
            return None
        finally:
            client.connection_pool.release(conn)
        _remember(self._key, wait)
        self.known = wait
        return wait


# (cache key, rate) → time.monotonic() at which the window of a client refused here ends. The rate is part of the
# key so that a changed setting (a deployment, a test) starts afresh.
_blocked: dict[tuple[str, str | None], float] = {}


def _remember(key: tuple[str, str | None], wait: int) -> None:
    now = time.monotonic()
    if len(_blocked) > 10_000:  # many clients throttled at once: forget the ones whose windows ended
        for old, until in list(_blocked.items()):
            if until <= now:
                _blocked.pop(old, None)
    _blocked[key] = now + wait


_counters: dict[str, tuple[redis.Redis, Callable[[str], str]]] = {}
_counters_lock = threading.Lock()


def _counter() -> tuple[redis.Redis, Callable[[str], str]]:
    """The process's Redis client for the counts, and the throttle cache's key maker.

    Not `caches["throttle"]`'s client: Django keeps a cache object per thread and per async context, so
    under ASGI every request got a new connection pool, opened a new Redis connection (with its HELLO
    handshake) and closed it at the request's end; that was 1.1 ms of the 1.6 ms an empty answer took.
    One pool per process and location (a test may point the cache elsewhere), shared by every thread.
    """
    location = str(settings.CACHES["throttle"]["LOCATION"])
    found = _counters.get(location)
    if found is None:
        with _counters_lock:
            found = _counters.get(location)
            if found is None:
                cache = caches["throttle"]
                # Short timeouts: a Redis that hangs costs a request half a second, then it is served unthrottled.
                client = redis.Redis.from_url(location, socket_connect_timeout=0.5, socket_timeout=0.5)
                found = (client, cache.make_key)
                _counters[location] = found
    return found


class _PortalRate(BaseThrottle):
    scope = ""

    def ident(self, request) -> object | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        self._wait = None if ident is None else over_limit(self.scope, ident)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class AnonymousClientThrottle(_PortalRate):
    """Callers without a login (the public map, name check, radius, geocode): per client address."""

    scope = "anon"

    def ident(self, request) -> object | None:
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request)


class OfficerThrottle(_PortalRate):
    """Logged-in users (a session, a personal token or, where allowed, Basic): per user, wherever they call from."""

    scope = "user"

    def ident(self, request) -> object | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return request.user.pk
