"""Errors as ward officers read them: `{"error", "message" (vi), "message_en", "details"}`.

`PortalError` subclasses carry their own status; `exception_handler` maps DRF's and
Django's exceptions onto the same shape, so no endpoint answers an error any other way.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import translation
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gisportal import field_errors
from gisportal.refusals import InvalidInput as InvalidInput  # the portal's errors are all importable from here
from gisportal.refusals import PortalError as PortalError


class NotFound(PortalError):
    """What was asked for is not there (a point or an area that an image does not cover, say)."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(PortalError):
    """Someone else saved first: the newer data stays."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class TooLarge(PortalError):
    """An upload over the size limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"


class ServiceUnavailable(PortalError):
    """A dependency (database, Redis, worker) does not answer."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"


# DRF exception → (code, Vietnamese message) for the ones DRF raises itself.
_VI = {
    exceptions.NotAuthenticated: ("not_authenticated", "Bạn cần đăng nhập."),
    exceptions.AuthenticationFailed: ("authentication_failed", "Sai tên đăng nhập hoặc mật khẩu."),
    exceptions.PermissionDenied: ("permission_denied", "Bạn không có quyền thực hiện thao tác này."),
    exceptions.NotFound: ("not_found", "Không tìm thấy."),
    exceptions.MethodNotAllowed: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    exceptions.ParseError: ("parse_error", "Dữ liệu gửi lên không đọc được."),
    exceptions.ValidationError: ("invalid_input", "Dữ liệu không hợp lệ."),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "Định dạng không được hỗ trợ."),
    exceptions.Throttled: ("throttled", "Quá nhiều yêu cầu, vui lòng thử lại sau."),
    exceptions.NotAcceptable: ("not_acceptable", "Không thể trả về định dạng được yêu cầu."),
}


def json_safe(value: Any) -> Any:
    """`value` with NaN and ±Infinity as text: JSON has no such numbers, and a refusal that echoes a hostile
    coordinate back (`{"lat": nan}`) was itself a 500 when rendered; an import's report stored with one, too."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str) and "\x00" in value:  # nor has jsonb a NUL: shown as the replacement character
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def body(code: str, message: str, message_en: str, details: Any = None) -> dict:
    return {"error": code, "message": message, "message_en": message_en, "details": json_safe(details)}


def json_error(status_code: int, code: str, message: str, message_en: str, details: Any = None) -> JsonResponse:
    """The error shape for plain Django views (tiles, health, pages' JSON)."""
    return JsonResponse(body(code, message, message_en, details), status=status_code)


def error_response(exc: PortalError) -> JsonResponse:
    """A PortalError answered by a plain Django view, in the same shape and status as through DRF."""
    return json_error(exc.status_code, exc.code, exc.message, exc.message_en, exc.details)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, PortalError):
        response.data = body(exc.code, exc.message, exc.message_en, exc.details)
        return response
    code, vi = next(((c, m) for cls, (c, m) in _VI.items() if isinstance(exc, cls)), ("error", "Có lỗi xảy ra."))
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    if isinstance(exc, exceptions.ValidationError):
        # Per field, in the portal's words and both languages (DRF's own text is partly English whatever
        # the request's language).
        refusal = field_errors.from_drf(detail, field_errors.serializer_of(context.get("view")))
        response.data = body(code, refusal.message, refusal.message_en, refusal.details)
    else:
        text = str(detail) if detail is not None else str(exc)
        # A PermissionDenied raised with a bilingual "vi / en" text keeps both halves.
        if " / " in text:
            vi, text = text.split(" / ", 1)
        elif text == _default_message(exc, context):
            # DRF's own message comes translated into the active language (Vietnamese): say it in English.
            with translation.override("en"):
                text = _default_message(exc, context)
        response.data = body(code, vi, text)
    return response


def _default_message(exc: Exception, context: dict) -> str:
    """DRF's default message of this exception class, in the active language, placeholders filled."""
    request = context.get("request")
    template = str(getattr(type(exc), "default_detail", ""))
    try:
        return template.format(method=getattr(request, "method", ""), media_type=getattr(request, "content_type", ""))
    except (KeyError, IndexError):
        return template


# PostgreSQL unreachable (restarted, failed over, the pool out of connections past its timeout): a 503 the client
# may retry, never a 500. The pool drops broken connections and reconnects by itself, so the portal recovers
# without a restart (tests/ops/test_faults.py).
DB_UNAVAILABLE = (
    "Cơ sở dữ liệu tạm thời không phản hồi. Vui lòng thử lại sau ít giây.",
    "The database is not answering for the moment. Please try again in a few seconds.",
)


def database_down(exc: BaseException) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_response(request) -> HttpResponse:
    """JSON for API, tile and OGC callers; a bare page (no template: its context would query the database) else."""
    vi, en = DB_UNAVAILABLE
    accept = request.headers.get("Accept", "")
    if "text/html" in accept and not request.path.startswith(("/api/", "/tiles/", "/imagery/", "/ogc/")):
        page = (
            '<!doctype html><html lang="vi"><meta charset="utf-8"><title>503</title>'
            f'<meta name="viewport" content="width=device-width"><p>{vi}</p><p lang="en">{en}</p></html>'
        )
        response: HttpResponse = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    else:
        response = json_error(503, "database_unavailable", vi, en)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database connection failure raised by any view into the 503 above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc: Exception) -> HttpResponse | None:
        if not database_down(exc):
            return None
        from django.db import connections

        # Hand the broken connection back now: the pool discards it instead of giving it to the next request.
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        return database_unavailable_response(request)


# Paths whose callers are programs: an unknown URL under them is answered in the error shape, not as a page.
API_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/imagery/")


def not_found(request, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON for API callers (an id the route's converter refuses, `/api/v1/businesses/x/`, reached the
    HTML page, which no client of the API can read and the OpenAPI document does not describe); the page else."""
    if request.path.startswith(API_PREFIXES):
        return json_error(404, "not_found", "Không tìm thấy.", "Not found.", {"path": request.path})
    from django.views import defaults

    return defaults.page_not_found(request, exception)


def bad_request(request, exception: Exception | None = None) -> HttpResponse:
    """handler400 (Django's own refusals: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad
    Host): the error body with a 413 or 400 for API callers, who could not read the HTML page; the page else."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    if request.path.startswith(API_PREFIXES):
        if isinstance(exception, RequestDataTooBig):
            mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
            return json_error(
                413,
                "too_large",
                f"Nội dung gửi lên vượt quá {mb} MB.",
                f"The request body is over {mb} MB.",
                {"max_mb": mb},
            )
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            return json_error(400, "too_many_fields", "Quá nhiều trường gửi lên.", "Too many fields were sent.")
        return json_error(400, "bad_request", "Yêu cầu không hợp lệ.", "The request is not valid.")
    from django.views import defaults

    return defaults.bad_request(request, exception or Exception("bad request"))
