"""The audit log: who logged in, failed to, edited a feature, exported data or was refused (403), from where.

Append-only three times over: no API writes or changes it (the list API reads), the Django admin shows it
read-only, and a PostgreSQL trigger (migration 0005) refuses every UPDATE and DELETE on its table, whoever sends
them. TRUNCATE stays possible for the database owner (Django's test runner empties tables with it; a restore
from `make backup` is the owner's act too).

Each kind is written in one place:
- logins and failed logins: Django's auth signals (`user_logged_in`, `user_login_failed`; a locked-out attempt is
  a failed one), whatever the way in (login page, admin, HTTP Basic where allowed);
- edits: every editable model keeps django-simple-history, whose `post_create_historical_record` signal is the
  one moment all of them pass through (the map editor, OGC API writes, the business, household and land APIs).
  A request's changes make one row (a file import of 500 features is one edit of 500 changes, not 500 rows), and
  only when the request succeeded: a refused or rolled-back write leaves none;
- exports: every file the portal hands out as a download (`Content-Disposition: attachment`: business lists,
  layer and forest files, parcels, confirmed violations, the leaders' table), seen by `AuditMiddleware` on its way
  out with the file name and the query that chose the rows, so a new export cannot be forgotten;
- permission denials: every 403 answer, whatever produced it (DRF's mapping in errors.py, a page's
  PermissionDenied, a refused CSRF token), seen by `AuditMiddleware` on its way out.

Path, method and address come from the request being served (a context variable set by the middleware), so the
services need no request argument; work outside a request (the Celery worker, a management command) is logged
with no path.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import DatabaseError, models, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from simple_history.signals import post_create_historical_record

logger = logging.getLogger(__name__)
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)
_changes: contextvars.ContextVar[list[dict] | None] = contextvars.ContextVar("audit_changes", default=None)
MAX_LISTED_CHANGES = 50  # an import's row lists its first changes and counts them all


class Kind(models.TextChoices):
    LOGIN = "login", "Đăng nhập / Login"
    LOGIN_FAILED = "login_failed", "Đăng nhập sai / Failed login"
    EDIT = "edit", "Sửa dữ liệu / Edit"
    EXPORT = "export", "Xuất dữ liệu / Export"
    DENIED = "denied", "Bị từ chối / Permission denied"


class AuditEntry(models.Model):
    """One event. The user is kept by id without a foreign-key constraint (and by name): deleting an account must
    neither fail on the append-only trigger nor erase who did what."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username or '-'} {self.path}"


def _ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from gisportal.throttles import client_ip

    return client_ip(request)


_SERVED = object()  # "the user of the request being served"


def record(
    kind: Kind,
    *,
    user: Any = _SERVED,
    username: str = "",
    request: HttpRequest | None = None,
    status: int | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry; the request defaults to the one being served, the user to its user."""
    request = request if request is not None else _request.get()
    if user is _SERVED:
        user = getattr(request, "user", None)
    known = user if getattr(user, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        kind=kind,
        user=known,
        username=(known.get_username() if known else username)[:150],
        method=(getattr(request, "method", "") or "")[:10],
        path=(getattr(request, "path", "") or "")[:500],
        ip=_ip(request),
        status=status,
        detail=detail or {},
    )


class AuditMiddleware:
    """Knows the request being served (for `record`); on the way out logs its edits (when it succeeded), its file
    download or its 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        req_token = _request.set(request)
        changes_token = _changes.set([])
        try:
            response = self.get_response(request)
            changes = _changes.get() or []
            if changes and response.status_code < 400:
                record(
                    Kind.EDIT,
                    status=response.status_code,
                    detail={"count": len(changes), "changes": changes[:MAX_LISTED_CHANGES]},
                )
            if response.status_code == 403:
                self._denied()
            elif response.status_code == 200 and response.get("Content-Disposition", "").startswith("attachment"):
                record(Kind.EXPORT, status=200, detail=_export_detail(request, response))
            return response
        finally:
            _changes.reset(changes_token)
            _request.reset(req_token)

    @staticmethod
    def _denied() -> None:
        # A refusal has already refused: if its entry cannot be written (the database went away mid-request), the
        # client still gets its 403, not a 500. Edits and exports fail closed instead: no entry, no answer.
        try:
            with transaction.atomic():
                record(Kind.DENIED, status=403)
        except DatabaseError:
            logger.exception("audit: a 403 could not be logged")


def _export_detail(request: HttpRequest, response: HttpResponse) -> dict:
    disposition = response["Content-Disposition"]
    name = disposition.split("filename=", 1)[1].strip('"') if "filename=" in disposition else ""
    detail: dict[str, Any] = {"file": name[:200], "query": {k: v[:200] for k, v in request.GET.items()}}
    if rows := response.get("X-Export-Rows"):
        detail["rows"] = int(rows)
    return detail


_ACTIONS = {"+": "create", "~": "update", "-": "delete"}


@receiver(post_create_historical_record, dispatch_uid="audit_edits")
def _edited(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    changes = _changes.get()
    if changes is None:  # outside a request: a worker's import or a command keeps its own job record
        return
    changes.append(
        {
            "model": instance._meta.label_lower,
            "id": instance.pk,
            "action": _ACTIONS.get(history_instance.history_type, history_instance.history_type),
        }
    )


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(Kind.LOGIN, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    name = str(credentials.get("username") or "")
    record(Kind.LOGIN_FAILED, user=None, username=name, request=request)
