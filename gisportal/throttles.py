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
    parsed = parse_rate(settings.THROTTLE_RATES.get(scope))
    if parsed is None:
        return None
    limit, window = parsed
    client, make_key = _counter()
    key = make_key(f"{scope}:{ident}")
    try:
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        # NX: the window starts at its first request and a busy client cannot push its end further away.
        pipe.expire(key, window, nx=True)
        count = pipe.execute()[0]
        if count <= limit:
            return None
        return max(1, int(client.ttl(key)))
    except (RedisError, OSError):
        # Redis down: serve rather than fail every call; the limit comes back with Redis.
        log.warning("throttle counts unavailable (Redis): request not limited")
        return None


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
