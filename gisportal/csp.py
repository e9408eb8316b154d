"""The Content-Security-Policy every answer carries: only the portal's own scripts, styles, images and calls.

No page has an inline script or style (data reaches the ES modules through data-* attributes and
`<script type="application/json">` blocks, which a browser never runs), so neither 'unsafe-inline' nor a nonce is
needed: an injected `<script>` or `onclick=` is refused by the browser even if an escape is ever missed.
Styles are as strict as scripts: Leaflet, its plugins and Chart.js set positions and sizes through the CSSOM
(`element.style.left = …`), which CSP does not govern; only `style="…"` attributes in markup and `<style>`
elements would need 'unsafe-inline', and the portal's templates have none (tests/browser/test_csp.py walks
every page and fails on any violation).

An optional online basemap (BASEMAP_URL) is the one outside host a page may load images from and call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def basemap_source(url: str) -> str:
    """The CSP source of a tile URL template: its scheme and host, `{s}` sub-domains as a wildcard."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "subdomain"))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    host = parts.hostname
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1] if host.startswith("subdomain.") else host
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


@lru_cache(maxsize=8)
def policy(basemap_url: str = "") -> str:
    """The policy for this configuration (cached: settings do not change while a process runs)."""
    extra = basemap_source(basemap_url)
    outside = f" {extra}" if extra else ""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: blob:{outside}",
        "font-src": "'self'",
        "connect-src": f"'self'{outside}",
        # protomaps-leaflet and the PMTiles reader decode in the page; no worker of another origin.
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every answer that has not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(getattr(settings, "BASEMAP_URL", "") or "")
        return response
