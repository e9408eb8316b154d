"""The ASGI fast path: anonymous GETs of the public hot reads answered without Django's request stack.

A public read (the radius scan, the name check, a vector tile, the empty `ping`) is the same for every
anonymous reader, yet through Django it paid ~5 ms of stack per answer on 2 busy cores (docs/speed.md):
fourteen middlewares, URL resolution, DRF's negotiation, authentication and throttle classes, its JSON
renderer. Mounted in front of Django (gisportal/asgi.py), this answers those requests by calling the very
functions the Django views call (`radius_answer`, `name_check_answer`, the tile view), so there is one
system of answers, errors, throttles and permissions:
- errors: a PortalError (or DRF's Throttled) goes through `gisportal.errors.exception_handler`, the DRF views'
  own handler, so the body, status and `Retry-After` are theirs;
- throttles: the DRF routes count against the anonymous client's bucket through `throttles.count_later`, sent
  before the handler's work and read after it, the same bucket the Django path counts in; tiles are not
  throttled, as in Django;
- permissions: only what every anonymous caller may read (AllowAny views, public tiles) is routed here, and
  only for anonymous callers: a session cookie or an Authorization header goes to Django, and so does
  anything unusual (HEAD, an HTML Accept or ?format= that DRF would render as its browsable page, a host
  outside ALLOWED_HOSTS, plain HTTP where HTTPS is enforced);
- the OpenAPI schema keeps describing the Django views, which answer the same (tests/gisportal/test_fastpath.py
  compares the two byte for byte, headers included);
- headers: the ones the middleware stack would add (security headers, Content-Language, Vary, Allow).
JSON is encoded with orjson: the same bytes as DRF's compact renderer, ~10× faster.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.request import split_domain_port, validate_host
from django.urls import resolve
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from gisportal import csp, db_router, errors, throttles
from gisportal.params import has_nul, nul_refused
from gisportal.postgis.base import quiet

CSP_MIDDLEWARE = "gisportal.csp.ContentSecurityPolicyMiddleware"

# A handler gets the request and the route's named groups; it answers a dict (a DRF view's 200 JSON) or a
# ready HttpResponse (a plain Django view's), or raises a PortalError.
Handler = Callable[[HttpRequest, Mapping[str, str]], "dict | list | HttpResponse"]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]  # on the path, as Django's URL pattern of the same view
    handler: Handler
    drf: bool  # a DRF view: throttled, JSON negotiated, `Vary: Accept, Cookie` and DRF's `Allow`
    path: str = ""  # a DRF view's path, whose view says what `Allow` lists


def exact(path: str, handler: Handler) -> Route:
    """A DRF JSON view at exactly this path."""
    return Route(re.compile(re.escape(path) + r"\Z"), handler, drf=True, path=path)


@functools.cache
def _drf_headers(path: str) -> list[tuple[bytes, bytes]]:
    """What DRF's view and the session middleware add to its answers (DRF's authentication reads the session)."""
    view = resolve(path).func.cls()  # type: ignore[attr-defined]  # an @api_view function's APIView class
    return [(b"vary", b"Accept, Cookie"), (b"allow", ", ".join(view.allowed_methods).encode())]


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def ping(request) -> Response:
    """An empty public JSON answer: the floor of the stack, for benchmarks and probes (it reads nothing)."""
    return Response(ping_answer(request.query_params))


def ping_answer(params: Mapping[str, str]) -> dict:
    return {}


class FastPath:
    """ASGI middleware: the routes' anonymous GETs answered here, everything else passed to `app` (Django)."""

    def __init__(self, app: Any, routes: list[Route]):
        self.app = app
        self.routes = routes
        # Thread-sensitive, as Django runs sync views under ASGI: one thread per process holds the
        # connections, so its pool hands the same warm connection back request after request.
        self.answer = sync_to_async(answer, thread_sensitive=True)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            for route in self.routes:
                match = route.pattern.match(path)
                if match is not None:
                    if eligible(scope, route):
                        status, headers, body = await self.answer(scope, route, match.groupdict())
                        await send({"type": "http.response.start", "status": status, "headers": headers})
                        await send({"type": "http.response.body", "body": body})
                        return
                    break
        await self.app(scope, receive, send)


def _headers(scope: dict) -> dict[bytes, bytes]:
    return dict(scope["headers"])  # ASGI servers send lower-case names


def _secure(scope: dict, headers: dict[bytes, bytes]) -> bool:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-").encode()
        return headers.get(name, b"").split(b",")[0].strip().decode("latin-1") == proxy[1]
    return scope.get("scheme") == "https"


def eligible(scope: dict, route: Route) -> bool:
    """Whether Django would answer this request exactly as the fast path does (else Django answers it)."""
    headers = _headers(scope)
    if b"authorization" in headers:
        return False
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    if cookie and f"{settings.SESSION_COOKIE_NAME}=" in cookie:
        return False
    host, _port = split_domain_port(headers.get(b"host", b"").decode("latin-1"))
    if not host or not validate_host(host, settings.ALLOWED_HOSTS):
        return False
    if settings.SECURE_SSL_REDIRECT and not _secure(scope, headers):
        return False
    if route.drf:
        # DRF would render its browsable HTML page for a browser or ?format=api.
        if b"text/html" in headers.get(b"accept", b"") or b"format=" in scope.get("query_string", b""):
            return False
    return True


def _request(scope: dict, headers: dict[bytes, bytes]) -> HttpRequest:
    """A bare HttpRequest, as much of one as the handlers, the throttle and the error handler read."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = scope["path"]
    meta = {
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "REMOTE_ADDR": (scope.get("client") or ("", 0))[0],
        "SERVER_NAME": "",
        "SERVER_PORT": "",
    }
    for name, value in headers.items():
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        meta[key] = value.decode("latin-1")
    request.META = meta
    request.GET = QueryDict(meta["QUERY_STRING"])
    request.COOKIES = _cookies(meta.get("HTTP_COOKIE", ""))
    return request


def _cookies(raw: str) -> dict[str, str]:
    if not raw:
        return {}
    from django.http.cookie import parse_cookie

    return parse_cookie(raw)


def answer(scope: dict, route: Route, groups: dict[str, str]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of one fast request, in the thread that holds the database connections."""
    from django.utils import translation

    headers = _headers(scope)
    request = _request(scope, headers)
    lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
    if lang not in {code for code, _ in settings.LANGUAGES}:
        lang = settings.LANGUAGE_CODE
    _drop_stale_connections()
    try:
        with translation.override(lang):
            response, extra, whole_stack = _respond(request, route, groups)
    finally:
        _release_connections()
    out = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.items()] + extra
    body = response.content
    secure = _secure(scope, headers)
    if whole_stack:
        out += _stack_headers(response, lang, secure)
        if "Content-Length" not in response:  # CommonMiddleware's
            out.append((b"content-length", str(len(body)).encode()))
    else:
        out += _security_headers(response, secure)
    return response.status_code, out, body


def _drop_stale_connections() -> None:
    """A connection this thread kept from its last request goes back to the pool if the server has dropped it
    (the pool then checks it and hands out a live one)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block and not quiet(conn.connection):
            conn.close()


def _release_connections() -> None:
    """The end of a fast request: what Django's `request_finished` does for it (close_old_connections; the fast
    path uses no Django cache and no urlconf override), except that a healthy connection stays with this thread.

    Handing it back to the pool and taking it again cost 0.3 ms of a 1-2 ms answer in the server (docs/speed.md,
    "Third pass"). It is kept only as Django keeps a persistent connection: in autocommit and with no error
    since; anything else goes back to the pool, which checks it. The thread is asgiref's thread-sensitive one,
    which Django's own sync views share: their close_old_connections hands it back before and after each.
    """
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:  # a transaction is its opener's to end (a test's)
            continue
        if conn.errors_occurred or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close()


def _respond(request: HttpRequest, route: Route, groups: dict[str, str]) -> tuple[HttpResponse, list, bool]:
    """The response, the headers Django's view layer would add to it, and whether the whole middleware stack
    would have seen it (else only the middlewares before RefuseNul)."""
    if has_nul(request.GET):
        return nul_refused(), [], False  # RefuseNul answers before the later middlewares and the view
    try:
        result = _counted(request, route, groups)
    except exceptions.APIException as exc:  # PortalError is one
        drf = errors.exception_handler(exc, {"request": request})
        assert drf is not None  # every APIException has an answer
        response = _json(drf.data, drf.status_code)
        for name, value in drf.items():
            if name != "Content-Type":  # an unrendered Response's default; DRF renders it as JSON
                response[name] = value
        return response, _drf_headers(route.path), True
    except Exception as exc:
        if errors.database_down(exc):
            # Raised through DRF (which has no answer for it) to DatabaseUnavailableMiddleware.
            return errors.database_unavailable_response(request), [(b"vary", b"Cookie")] if route.drf else [], True
        raise
    if isinstance(result, HttpResponse):
        return result, _drf_headers(route.path) if route.drf else [], True
    return _json(result, 200), _drf_headers(route.path) if route.drf else [], True


def _counted(request: HttpRequest, route: Route, groups: dict[str, str]) -> Any:
    """The handler's result, counted against the anonymous client's throttle bucket (DRF routes).

    Redis counts while the handler works (throttles.count_later); over the limit, the answer is the 429 whatever
    the handler gave, as under DRF, which checks the throttle first.
    """
    pending = throttles.count_later("anon", throttles.client_ip(request)) if route.drf else throttles.Pending()
    if pending.known is not None:
        raise exceptions.Throttled(pending.known)
    try:
        alias = db_router.anonymous_replica(request)
        if alias is None:
            return route.handler(request, groups)
        with db_router.reading_from(alias):
            return route.handler(request, groups)
    finally:
        wait = pending.result()
        if wait is not None:
            raise exceptions.Throttled(wait)  # replaces whatever the handler returned or raised


def _json(data: Any, status: int) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


def _stack_headers(response: HttpResponse, lang: str, secure: bool) -> list[tuple[bytes, bytes]]:
    """What settings.MIDDLEWARE adds to a response like this one (SecurityMiddleware, the locale, X-Frame-Options)."""
    out = []
    if "X-Frame-Options" not in response:
        out.append((b"x-frame-options", settings.X_FRAME_OPTIONS.upper().encode()))
    if "Content-Language" not in response:
        out.append((b"content-language", lang.encode()))
    return out + _security_headers(response, secure)


def _security_headers(response: HttpResponse, secure: bool) -> list[tuple[bytes, bytes]]:
    """SecurityMiddleware's headers, from the settings it reads, and the Content-Security-Policy (gisportal/csp.py),
    both outside RefuseNul: every answer carries them."""
    out = []
    if CSP_MIDDLEWARE in settings.MIDDLEWARE and csp.HEADER not in response:
        out.append((b"content-security-policy", csp.policy(getattr(settings, "BASEMAP_URL", "") or "").encode()))
    if settings.SECURE_HSTS_SECONDS and secure:
        sts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            sts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            sts += "; preload"
        out.append((b"strict-transport-security", sts.encode()))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        out.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        out.append((b"referrer-policy", (policy if isinstance(policy, str) else ",".join(policy)).encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        out.append((b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()))
    return out
