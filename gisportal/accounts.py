"""Who the portal thinks you are (`/api/v1/me/`), your personal API tokens, and the login lockout's answer."""

from __future__ import annotations

from typing import cast

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from gisportal.errors import InvalidInput, json_error
from gisportal.params import whole
from gisportal.permissions import may_hold_api_tokens, role_of, ward_ids
from gisportal.text import nfc
from gisportal.tokens import MAX_TOKENS_PER_USER, ApiToken


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def me(request) -> Response:
    """The current role and the wards it applies to (null = every ward)."""
    user = request.user
    wards = ward_ids(user)
    return Response(
        {
            "username": user.username if user.is_authenticated else None,
            "role": role_of(user).value,
            "wards": sorted(wards) if wards is not None else None,
        }
    )


# --- personal API tokens (gisportal/tokens.py) -------------------------------------------------------------


def _token_json(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }


def _check_holder(user) -> None:
    if not may_hold_api_tokens(user):
        raise PermissionDenied("Chỉ cán bộ mới có khóa API. / Only officers hold API tokens.")


def _issue(user, name: str) -> tuple[ApiToken, str]:
    name = nfc(name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "Đặt tên cho khóa (1–100 ký tự), ví dụ 'QGIS văn phòng'.",
            "Name the token (1–100 characters), e.g. 'QGIS office'.",
            {"field": "name"},
        )
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise InvalidInput(
            f"Mỗi cán bộ có tối đa {MAX_TOKENS_PER_USER} khóa: thu hồi một khóa cũ trước.",
            f"An officer holds at most {MAX_TOKENS_PER_USER} tokens: revoke an old one first.",
            code="too_many_tokens",
        )
    return ApiToken.issue(user, name)


@extend_schema(request=dict, responses={200: dict, 201: dict})
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
def my_tokens(request) -> Response:
    """GET: your personal API tokens (name, first characters, last use). POST {"name"}: a new one, whose
    key is in this answer only: send it as `Authorization: Token <key>`."""
    _check_holder(request.user)
    if request.method == "POST":
        token, key = _issue(request.user, str(request.data.get("name", "")))
        return Response({**_token_json(token), "key": key}, status=201)
    return Response({"results": [_token_json(t) for t in ApiToken.objects.filter(user=request.user)]})


@extend_schema(responses={204: None})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def my_token(request, pk: int) -> Response:
    """Revoke one of your tokens: the next call with it is refused."""
    _check_holder(request.user)
    deleted, _ = ApiToken.objects.filter(user=request.user, pk=pk).delete()
    if not deleted:
        raise NotFound("Không có khóa này. / No such token.")
    return Response(status=204)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """The officer's own page: their tokens, a form to make one (its key shown once), a button to revoke."""
    user = cast(User, request.user)  # login_required has turned the anonymous away
    _check_page_holder(user)
    new_key, error = None, None
    if request.method == "POST":
        if revoke := request.POST.get("revoke"):
            ApiToken.objects.filter(user=user, pk=whole(revoke, "revoke")).delete()
            return redirect("account-tokens")
        try:
            _, new_key = _issue(user, request.POST.get("name", ""))
        except InvalidInput as exc:
            error = exc
    tokens = ApiToken.objects.filter(user=user)
    return render(
        request,
        "gisportal/tokens.html",
        {"tokens": tokens, "new_key": new_key, "error": error},
        status=400 if error else 200,
    )


def _check_page_holder(user) -> None:
    if not may_hold_api_tokens(user):
        raise DjangoPermissionDenied


# --- login lockout (django-axes) ------------------------------------------------------------------------------


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Too many wrong passwords for this user from this address: a 429, in JSON for API clients and as a
    page for browsers, until AXES_COOLOFF_TIME has passed."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    vi = f"Đăng nhập sai quá nhiều lần: tài khoản tạm khóa {minutes} phút. Hãy thử lại sau hoặc báo quản trị."
    en = f"Too many failed logins: the account is locked for {minutes} minutes. Try later or ask an administrator."
    path = getattr(request, "path", "")
    if path.startswith(("/api/", "/ogc/")) or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = json_error(429, "locked_out", vi, en)
    else:
        response = render(request, "gisportal/locked_out.html", {"message": vi, "message_en": en}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


class LockoutBackend(AxesStandaloneBackend):
    """django-axes's check on every password login that comes with a request (the login page, the admin,
    HTTP Basic where allowed). A check made in code with no request (a management command, the test
    client's `login()`) has no client to lock out: it goes straight to the password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
