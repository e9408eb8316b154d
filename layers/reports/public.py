"""What of a report each reader receives. The public (citizens, Open311 readers): kind, status, dates, place,
the public answer and the photos' public copies — never the description (a citizen may write a name or a phone
into it), the officers' note, the assignee or anyone's contact. Officers get the rest, the reporter's contact only
when they handle the report."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gisportal.permissions import can_read_report, sees_reporter
from layers.reports.models import Report


def _label(choice: str) -> tuple[str, str]:
    vi, _, en = choice.partition(" / ")
    return vi, en or vi


def photo_urls(report: Report) -> list[str]:
    return [reverse("report-photo", kwargs={"code": report.code, "position": p.position}) for p in report.photos.all()]


def public(report: Report) -> dict[str, Any]:
    kind_vi, kind_en = _label(report.get_kind_display())
    status_vi, status_en = _label(report.get_status_display())
    return {
        "code": report.code,
        "kind": report.kind,
        "kind_label": kind_vi,
        "kind_label_en": kind_en,
        "status": report.status,
        "status_label": status_vi,
        "status_label_en": status_en,
        "ward": report.ward.name,
        "khu_pho": report.khu_pho.name if report.khu_pho else None,
        "address": report.address,
        "lat": report.geom.y,
        "lon": report.geom.x,
        "created_at": report.created_at.isoformat(),
        "updated_at": report.updated_at.isoformat(),
        "due_at": report.due_at.isoformat(),
        "resolved_at": report.resolved_at.isoformat() if report.resolved_at else None,
        "closed_at": report.closed_at.isoformat() if report.closed_at else None,
        "overdue": report.is_overdue,
        "public_answer": report.public_answer,
        "followers": report.followers,
        "duplicate_of": report.duplicate_of.code if report.duplicate_of else None,
        "photos": photo_urls(report),
        "url": reverse("report-page", kwargs={"code": report.code}),
        "qr": reverse("report-qr", kwargs={"code": report.code}),
    }


def for_officer(report: Report, user: Any) -> dict[str, Any]:
    """The public view plus the officers' side; `public` alone for a reader without a queue for it."""
    data = public(report)
    if not can_read_report(user, report):
        return data
    data.update(
        description=report.description,
        internal_note=report.internal_note,
        assignee=report.assignee.username if report.assignee else None,
        version=report.version,
        source=report.source,
        ward_id=report.ward_id,
        khu_pho_id=report.khu_pho_id,
    )
    if sees_reporter(user, report):
        data.update(
            reporter_name=report.reporter_name,
            reporter_phone=report.reporter_phone,
            reporter_email=report.reporter_email,
        )
    return data
