"""Demo citizen reports for the demo ward: the officers' queue holds real work on the first run.

Step `layers.reports.demo.seed_reports` of gisportal.demo.STEPS (after the users: the steps are the ward officer
`canbo`'s). Filed and worked through the services a citizen's form and an officer's queue use, so each report
has its routing, deadline, versions and history as if people had made them: some just received, some triaged,
some with a khu phố officer, one past its deadline, some answered and closed. Times are relative to the day the
demo is loaded, so "overdue" means overdue today. Skips itself when the ward already has reports.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from gisportal.demo import DemoContext
from layers.demo import metric, random_point_in, to_deg
from layers.models import AdminUnit
from layers.reports import services
from layers.reports.models import Kind, Report

# (kind, what the citizen wrote, hours ago it was filed, the officers' steps so far)
REPORTS = [
    (Kind.FLOODING, "Mưa lớn chiều qua, nước ngập gần nửa bánh xe trước hẻm, xe máy chết máy nhiều.", 70, []),
    (Kind.DUMPING, "Có người đổ xà bần và nệm cũ ở góc đường ban đêm, đã ba hôm chưa ai dọn.", 5, []),
    (Kind.DRAIN_COVER, "Nắp cống bị vỡ một góc, trẻ em đi học ngang qua rất nguy hiểm.", 20, []),
    (Kind.ENCROACHMENT, "Quán nhậu bày bàn ghế kín vỉa hè, người đi bộ phải xuống lòng đường.", 30, []),
    (Kind.FALLEN_TREE, "Cây me lớn bị gãy nhánh sau cơn dông, nhánh cây đè lên dây điện.", 9, ["triage"]),
    (Kind.OTHER, "Đèn đường trong hẻm tắt mấy đêm liền, hẻm tối om.", 50, ["triage"]),
    (Kind.CONSTRUCTION, "Nhà đang xây thêm tầng 4, không thấy treo bảng giấy phép xây dựng.", 96, ["triage", "assign"]),
    (Kind.DUMPING, "Bãi rác tự phát cạnh trạm biến áp, bốc mùi hôi.", 60, ["triage", "assign", "answer"]),
    (Kind.ENCROACHMENT, "Xe bán trái cây đậu chiếm lối vào chợ buổi sáng.", 140, ["triage", "assign"]),
    (Kind.DRAIN_COVER, "Miệng cống bị rác bít kín, nước không thoát được.", 200, ["triage", "assign", "resolve"]),
    (Kind.FLOODING, "Đoạn đường trước trường học ngập mỗi khi triều cường.", 260, ["triage", "assign", "resolve"]),
    (Kind.OTHER, "Biển tên đường bị che khuất bởi bảng quảng cáo.", 320, ["triage", "resolve", "close"]),
]
ANSWER = "Phường đã tiếp nhận và chuyển tổ dân phố kiểm tra; sẽ cập nhật kết quả xử lý tại đây."
RESOLVED = "Tổ công tác phường đã xử lý xong. Cảm ơn anh/chị đã phản ánh."
NOTE = "Đã liên hệ khu phố, hẹn kiểm tra hiện trường."


def seed_reports(ctx: DemoContext) -> None:
    ward: AdminUnit = ctx.data["ward"]
    if Report.objects.filter(ward=ward).exists():
        ctx.log("  citizen reports: already loaded")
        return
    users = get_user_model().objects
    officer, khu_pho_officer = users.get(username="canbo"), users.get(username="khupho")
    khu_phos = list(AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code"))
    first_kp = khu_phos[0]  # the khu phố officer's own (layers.demo_users), so some work lands on them
    rng = ctx.rng("reports")
    now = timezone.now()
    for i, (kind, text, hours_ago, steps) in enumerate(REPORTS):
        kp = first_kp if i % 3 == 0 else rng.choice(khu_phos)
        point = to_deg(random_point_in(metric(kp.boundary), rng))
        filed = now - dt.timedelta(hours=hours_ago)
        report = services.file_report(
            services.Filing(kind=kind, description=text, point=Point(point.x, point.y, srid=4326)), now=filed
        )
        at = filed
        for name in steps:
            at += dt.timedelta(hours=min(6, hours_ago / (2 * len(steps))))
            data: dict = {"version": report.version}
            if name == "assign":
                data["assignee"] = khu_pho_officer.username if report.khu_pho_id == first_kp.pk else officer.username
            elif name == "answer":
                data |= {"public_answer": ANSWER, "internal_note": NOTE}
            elif name == "resolve":
                data["public_answer"] = RESOLVED
            report = services.step(report.code, officer, name, data, now=at)
    ctx.log(f"  citizen reports: {len(REPORTS)}")
