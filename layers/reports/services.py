"""What happens to a report: filed, offered as a duplicate, followed, worked through by officers, counted.

Every change goes through `_save`: the row locked, the version the officer read compared (a stale step gets 409
and the newer data stays), one more version and one simple-history row naming the officer and the step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from gisportal.errors import Conflict, InvalidInput, NotFound
from gisportal.figures import GROUP
from gisportal.params import is_whole
from gisportal.permissions import can_handle_report, report_assignees
from gisportal.text import nfc, refuse_hostile
from layers import history as feature_history
from layers.reports import codes, photos
from layers.reports.models import DEADLINE_DAYS, DONE_STATUSES, OPEN_STATUSES, Kind, Report, Status
from layers.reports.routing import route

DUPLICATE_RADIUS_M = 50
_HTML = ("<", ">")


# --- filing --------------------------------------------------------------------------------------


@dataclass
class Filing:
    kind: str
    description: str
    point: Point
    address: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    source: str = Report.Source.WEB


# What a citizen calls each field, in the messages they read (the field's own name stays in the details).
_LABELS = {
    "description": ("Nội dung phản ánh", "description"),
    "address": ("Địa chỉ", "address"),
    "name": ("Họ tên", "name"),
    "phone": ("Số điện thoại", "phone number"),
    "email": ("Email", "email"),
}


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = nfc(str(value or "")).strip()
    vi, en = _LABELS.get(field, (field, field))
    if required and not text:
        raise InvalidInput(f"Hãy nhập {vi.lower()}.", f"The {en} is missing.", {"field": field}, code="missing_field")
    if len(text) > limit:
        raise InvalidInput(
            f"{vi} dài quá {limit} ký tự.", f"The {en} is longer than {limit} characters.", {"field": field}
        )
    if any(c in text for c in _HTML):
        raise InvalidInput(f"{vi} không được chứa ký tự < hoặc >.", f"The {en} may not hold < or >.", {"field": field})
    refuse_hostile(field, text)  # bidi controls, look-alike letters, formulas: as every portal form
    return text


def check_kind(kind: Any) -> str:
    if kind not in Kind.values:
        raise InvalidInput(
            "Loại phản ánh không hợp lệ.",
            "Unknown kind of report.",
            {"kind": kind, "kinds": list(Kind.values)},
            code="bad_kind",
        )
    return str(kind)


def clean_filing(raw: dict, point: Point, source: str = Report.Source.WEB) -> Filing:
    phone = _text(raw.get("phone"), "phone", 20)
    if phone and not all(c.isdigit() or c in "+ .-" for c in phone):
        raise InvalidInput("Số điện thoại không hợp lệ.", "The phone number is not valid.", {"field": "phone"})
    email = _text(raw.get("email"), "email", 254)
    if email and ("@" not in email or " " in email):
        raise InvalidInput("Địa chỉ email không hợp lệ.", "The email address is not valid.", {"field": "email"})
    return Filing(
        kind=check_kind(raw.get("kind")),
        description=_text(raw.get("description"), "description", 2000, required=True),
        point=point,
        address=_text(raw.get("address"), "address", 300),
        name=_text(raw.get("name"), "name", 120),
        phone=phone,
        email=email,
        source=source,
    )


@transaction.atomic
def file_report(filing: Filing, files: list | None = None, now: dt.datetime | None = None) -> Report:
    """A new report routed to its ward and khu phố, with its photos checked and copied; its tracking code."""
    checked = photos.check_all(files or [])
    ward, khu_pho = route(filing.point)
    now = now or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                report = Report(
                    code=codes.new_code(),
                    kind=filing.kind,
                    description=filing.description,
                    address=filing.address,
                    ward=ward,
                    khu_pho=khu_pho,
                    geom=filing.point,
                    reporter_name=filing.name,
                    reporter_phone=filing.phone,
                    reporter_email=filing.email,
                    source=filing.source,
                    created_at=now,
                    updated_at=now,
                    due_at=now + dt.timedelta(days=DEADLINE_DAYS[filing.kind]),
                )
                feature_history.attribute(report, None, "filed")
                report.save()
                break
        except IntegrityError:  # a code drawn twice (1 in 2^50 a pair): draw again
            continue
    else:  # pragma: no cover
        raise RuntimeError("no free tracking code after 5 draws")
    photos.save(report, checked)
    return report


def nearby_open(kind: str, point: Point, radius_m: float = DUPLICATE_RADIUS_M) -> list[Report]:
    """Open reports of this kind within `radius_m` of the point, nearest first: offered before filing."""
    here = point.transform(32648, clone=True)
    return list(
        Report.objects.open()
        .filter(kind=check_kind(kind), geom_m__dwithin=(here, D(m=radius_m)))
        .annotate(distance=Distance("geom_m", here))
        .order_by("distance", "-created_at")[:10]
    )


def get(code: str, *, lock: bool = False) -> Report:
    qs = Report.objects.select_for_update() if lock else Report.objects.select_related("ward", "khu_pho")
    report = qs.filter(code=codes.normalise(code)).first()
    if report is None:
        raise NotFound(
            "Không tìm thấy phản ánh với mã này.", "No report has this tracking code.", {"code": code}, code="no_report"
        )
    return report


@transaction.atomic
def follow(code: str) -> Report:
    """A citizen follows an open report instead of filing the same again (+1)."""
    report = get(code, lock=True)
    if not report.is_open:
        raise Conflict(
            "Phản ánh này đã được xử lý xong; hãy gửi phản ánh mới nếu sự việc vẫn còn.",
            "This report is already dealt with; file a new one if the problem is still there.",
            {"status": report.status},
            code="report_not_open",
        )
    Report.objects.filter(pk=report.pk).update(followers=report.followers + 1)
    report.followers += 1
    return report


# --- the officers' steps -------------------------------------------------------------------------

STEPS = ("triage", "assign", "answer", "resolve", "close", "reopen", "merge")
# step → statuses it may start from
_FROM: dict[str, tuple[str, ...]] = {
    "triage": (Status.NEW,),
    "assign": OPEN_STATUSES,
    "answer": (*OPEN_STATUSES, *DONE_STATUSES),
    "resolve": OPEN_STATUSES,
    "close": (Status.RESOLVED,),
    "reopen": (*DONE_STATUSES,),
    "merge": OPEN_STATUSES,
}


def _wrong_state(step: str, report: Report) -> Conflict:
    return Conflict(
        f"Không thể '{step}' phản ánh đang ở trạng thái '{report.get_status_display().split(' / ')[0]}'.",
        f"Cannot {step} a report whose status is {report.status!r}.",
        {"step": step, "status": report.status, "allowed_from": list(_FROM[step])},
        code="wrong_status",
    )


def _version(raw: Any) -> int:
    if raw is None or not is_whole(raw):
        raise InvalidInput(
            "Thiếu phiên bản đã đọc (version).",
            "The version you read is missing (version).",
            code="version_required",
        )
    return int(raw)


@transaction.atomic
def step(code: str, user: Any, name: str, data: dict, now: dt.datetime | None = None) -> Report:
    """One step of an officer on a report; `data` holds `version` and the step's own fields."""
    if name not in STEPS:
        raise InvalidInput(
            "Bước xử lý không hợp lệ.", "Unknown step.", {"step": name, "steps": list(STEPS)}, code="bad_step"
        )
    report = get(code, lock=True)
    if not can_handle_report(user, report):
        raise PermissionDenied(
            "Bạn không xử lý phản ánh của phường, khu phố này. / You do not handle reports of this ward or khu phố."
        )
    sent = _version(data.get("version"))
    if sent != report.version:
        raise Conflict(
            f"Người khác đã cập nhật phản ánh này trước (phiên bản {report.version}, bạn đã đọc {sent}).",
            f"Someone else updated this report first (version {report.version}; you read {sent}).",
            {"current_version": report.version, "sent_version": sent},
            code="version_conflict",
        )
    if report.status not in _FROM[name]:
        raise _wrong_state(name, report)
    now = now or timezone.now()
    if name == "triage":
        if data.get("kind"):
            report.kind = check_kind(data["kind"])
            report.due_at = report.created_at + dt.timedelta(days=DEADLINE_DAYS[report.kind])
        report.status = Status.TRIAGED
    elif name == "assign":
        report.assignee = _colleague(report, data.get("assignee"))
        report.status = Status.ASSIGNED
    elif name == "answer":
        answer = _text(data.get("public_answer"), "public_answer", 2000)
        note = _text(data.get("internal_note"), "internal_note", 4000)
        if not answer and not note:
            raise InvalidInput(
                "Cần trả lời công khai hoặc ghi chú nội bộ.",
                "A public answer or an internal note is needed.",
                code="missing_field",
            )
        report.public_answer = answer or report.public_answer
        report.internal_note = note or report.internal_note
    elif name == "resolve":
        answer = _text(data.get("public_answer"), "public_answer", 2000)
        if answer:
            report.public_answer = answer
        if not report.public_answer:
            raise InvalidInput(
                "Trước khi báo đã xử lý, hãy trả lời người dân (public_answer).",
                "Answer the citizen (public_answer) before marking the report resolved.",
                code="answer_required",
            )
        report.status, report.resolved_at = Status.RESOLVED, now
    elif name == "close":
        report.status, report.closed_at = Status.CLOSED, now
    elif name == "reopen":
        report.status, report.resolved_at, report.closed_at = (
            Status.ASSIGNED if report.assignee_id else Status.TRIAGED,
            None,
            None,
        )
    elif name == "merge":
        _merge(report, data.get("into"), user)
    return _save(report, user, name, now)


def _colleague(report: Report, raw: Any):
    users = report_assignees(get_user_model(), report)
    found = users.filter(username=raw).first() if isinstance(raw, str) and not is_whole(raw) else None
    if found is None and raw is not None and is_whole(raw):
        found = users.filter(pk=int(str(raw))).first()
    if found is None:
        raise InvalidInput(
            "Người được giao phải là cán bộ của phường hoặc khu phố của phản ánh.",
            "The assignee must be an officer of the report's ward or khu phố.",
            {"assignee": raw, "colleagues": list(users.values_list("username", flat=True))},
            code="bad_assignee",
        )
    return found


def _merge(report: Report, into: Any, user: Any) -> None:
    target = get(str(into or ""), lock=True)
    if target.pk == report.pk or target.duplicate_of_id or not target.is_open:
        raise InvalidInput(
            "Chỉ gộp vào một phản ánh khác đang mở.",
            "A report merges only into another open report.",
            {"into": into},
            code="bad_merge",
        )
    if not can_handle_report(user, target):
        raise PermissionDenied("Bạn không xử lý phản ánh đích. / You do not handle the target report.")
    report.status, report.duplicate_of = Status.MERGED, target
    report.public_answer = report.public_answer or (
        f"Trùng với phản ánh {target.code}, được xử lý chung. / A duplicate of report {target.code}, handled with it."
    )
    Report.objects.filter(pk=target.pk).update(followers=target.followers + 1 + report.followers)
    Report.objects.filter(duplicate_of=report).update(duplicate_of=target)


def _save(report: Report, user: Any, reason: str, now: dt.datetime) -> Report:
    report.version += 1
    report.updated_at = now
    feature_history.attribute(report, user if getattr(user, "is_authenticated", False) else None, reason)
    report.save()
    return report


def steps_of(report: Report) -> list[dict]:
    """Every saved version of the report, oldest first: the step, who, when, the status after it."""
    rows = report.history.order_by("history_date", "history_id").select_related("history_user")
    return [
        {
            "version": r.version,
            "step": r.history_change_reason or "",
            "status": r.status,
            "by": r.history_user.username if r.history_user else None,
            "at": r.history_date.isoformat(),
        }
        for r in rows
    ]


# --- counts for leaders --------------------------------------------------------------------------


def per_ward(ward_ids: list[int] | None, now: dt.datetime | None = None, by: str = "ward") -> dict[int, dict[str, int]]:
    """Open, overdue and closed-on-time reports per ward (None: every ward with reports), or per khu phố of those
    wards (`by="khu_pho"`; a report routed to no khu phố counts for its ward only)."""
    now = now or timezone.now()
    group = GROUP[by]
    qs = Report.objects.all() if ward_ids is None else Report.objects.filter(ward_id__in=ward_ids)
    rows = qs.values(group).annotate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        closed_on_time=Count("id", filter=Q(status__in=DONE_STATUSES, resolved_at__lte=F("due_at"))),
    )
    return {r[group]: {k: r[k] for k in ("open", "overdue", "closed_on_time")} for r in rows if r[group] is not None}
