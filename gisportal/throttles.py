"""How fast a client may call the API: per client address for anonymous callers, per user for officers.

Counts live in Redis (the `throttle` cache), shared by every web process, so a limit is the portal's and
not one gunicorn worker's. Rates are read from `settings.THROTTLE_RATES` on every request rather than
DRF's class attribute (filled once at import), so a deployment or a test changes them with the setting.
A throttled call is a 429 with a Vietnamese-then-English message and `Retry-After` (gisportal/errors.py).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
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


class _PortalRate(SimpleRateThrottle):
    cache = caches["throttle"]

    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES.get(self.scope) if self.scope else None

    def allow_request(self, request, view) -> bool:
        # The rate may have changed since this instance's class was first used (a setting, a test).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            # Redis down: serve rather than fail every call; the limit comes back with Redis.
            log.warning("throttle counts unavailable (Redis): request not limited")
            return True


class AnonymousClientThrottle(_PortalRate):
    """Callers without a login (the public map, name check, radius, geocode): per client address."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class OfficerThrottle(_PortalRate):
    """Logged-in users (a session, a personal token or, where allowed, Basic): per user, wherever they call from."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
