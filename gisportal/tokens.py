"""Personal API tokens: how a desktop client (QGIS, GDAL through the OGC API) signs in without a browser.

An officer creates one on their own page (`/api/v1/me/tokens`), sees it once, and sends it as
`Authorization: Token <key>` (QGIS's authentication manager: "API Header"). Only a SHA-256 digest is
stored, so a copy of the database gives no usable token; revoking deletes the row. HTTP Basic, which
sends the password itself on every call, is accepted only when settings.API_BASIC_AUTH asks for it,
and then goes through the same login lockout as the login page (django-axes).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions

PREFIX_LEN = 8
MAX_TOKENS_PER_USER = 10


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """One personal token: its owner, a name the owner chose ("QGIS văn phòng"), the digest of the key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LEN)  # shown in the list so the owner can tell tokens apart
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "gisportal"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        """A new token for `user`; the key is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:PREFIX_LEN], key_digest=digest(key))
        return token, key


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (DRF's header form, which QGIS and curl send as is)."""

    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Tiêu đề Authorization phải là 'Token <khóa>'. / The Authorization header must be 'Token <key>'."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Khóa không hợp lệ. / Invalid token.") from None
        token = ApiToken.objects.select_related("user").filter(key_digest=digest(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "Khóa API không đúng hoặc đã bị thu hồi. / The API token is wrong or was revoked."
            )
        # At most once a minute: a desktop client's every tile and feature request must not write a row.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class OptionalBasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic only where settings.API_BASIC_AUTH asks for it (read per request, so tests and a restart
    agree). django-axes's backend sees every attempt: wrong passwords lock the account as the login page does."""

    def authenticate(self, request):
        if not settings.API_BASIC_AUTH:
            return None
        return super().authenticate(request)

    def authenticate_header(self, request) -> str | None:
        return super().authenticate_header(request) if settings.API_BASIC_AUTH else None


# How the OpenAPI schema (drf-spectacular) describes these two ways in; without them every operation warned.
class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "gisportal.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        keyword = TokenAuthentication.keyword
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=keyword)


class OptionalBasicScheme(OpenApiAuthenticationExtension):
    target_class = "gisportal.tokens.OptionalBasicAuthentication"
    name = "basicAuth"  # only accepted where API_BASIC_AUTH is on

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "basic"}
