"""Per-client limits on filing (and following) reports, counted in Django's cache.

The client is the address that connected, or, when that is the portal's own proxy (a private or loopback address:
docker/nginx.conf sets X-Real-IP), the address the proxy saw.
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import status

from gisportal.errors import PortalError

WINDOW_S = 3600


class TooManyReports(PortalError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "rate_limited"
    wait = 0  # seconds until the window opens again: the Retry-After header


def per_hour() -> int:
    return int(getattr(settings, "REPORTS_PER_HOUR", 5))


def client_of(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
    try:
        behind_proxy = ipaddress.ip_address(remote).is_private or ipaddress.ip_address(remote).is_loopback
    except ValueError:
        behind_proxy = False
    return forwarded if forwarded and behind_proxy else remote


def check(request: HttpRequest, what: str = "file") -> None:
    """Count one more `what` for this client in this hour, or refuse with 429 and when to come back."""
    limit = per_hour()
    bucket = int(time.time() // WINDOW_S)
    key = f"reports:{what}:{client_of(request)}:{bucket}"
    cache.add(key, 0, timeout=WINDOW_S + 60)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_S + 60)
        used = 1
    if used > limit:
        retry = int(WINDOW_S - time.time() % WINDOW_S) + 1
        exc = TooManyReports(
            f"Bạn đã gửi quá {limit} phản ánh trong một giờ. Vui lòng thử lại sau {retry // 60 + 1} phút.",
            f"You have sent more than {limit} reports in an hour. Please try again in {retry // 60 + 1} minutes.",
            {"limit_per_hour": limit, "retry_after_s": retry},
        )
        exc.wait = retry
        raise exc
