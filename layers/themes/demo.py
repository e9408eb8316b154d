"""Three layers the demo ward defines itself: solar and grid streetlights, free wifi points, security cameras.

They are defined by the demo's administrator (`quantri`) through `services.define`, the code the definition
page calls, and their features are drawn through `layers.editing.create`, the map editor's own path (checks,
placement in a khu phố, history). Step `layers.themes.demo.seed_theme_layers` of gisportal.demo.STEPS, after
the users; it skips a layer that already exists.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from gisportal.demo import DemoContext
from layers import editing, registry
from layers.demo import metric, random_point_in, to_deg
from layers.models import AdminUnit
from layers.themes import services
from layers.themes.models import ThemeLayer

ROLES = ["ward_officer", "khu_pho_officer"]
LAYERS = [
    {
        "slug": "den_duong",
        "name_vi": "Đèn đường",
        "name_en": "Streetlights",
        "geometry_type": "Point",
        "editor_roles": ROLES,
        "edit_scope": "khu_pho",
        "style": {"color": "#f59e0b", "symbol": "lamp", "by": "nguon"},
        "minzoom": 13,
        "fields": [
            {
                "name": "ma",
                "title": "Mã đèn",
                "title_en": "Lamp code",
                "type": "text",
                "required": True,
                "public": True,
            },
            {
                "name": "nguon",
                "title": "Nguồn điện",
                "title_en": "Power",
                "type": "choice",
                "required": True,
                "public": True,
                "choices": [
                    {"value": "solar", "label": "Năng lượng mặt trời", "label_en": "Solar", "color": "#f59e0b"},
                    {"value": "grid", "label": "Điện lưới", "label_en": "Grid", "color": "#1d4ed8"},
                ],
            },
            {
                "name": "cong_suat",
                "title": "Công suất (W)",
                "title_en": "Wattage (W)",
                "type": "number",
                "public": True,
            },
            {"name": "ngay_lap", "title": "Ngày lắp", "title_en": "Installed on", "type": "date", "past_only": True},
            {"name": "dang_sang", "title": "Đang sáng", "title_en": "Working", "type": "boolean", "public": True},
        ],
    },
    {
        "slug": "diem_wifi",
        "name_vi": "Điểm wifi miễn phí",
        "name_en": "Free wifi points",
        "geometry_type": "Point",
        "editor_roles": ROLES,
        "edit_scope": "ward",
        "style": {"color": "#0d9488", "symbol": "wifi"},
        "minzoom": 13,
        "fields": [
            {"name": "ten", "title": "Tên điểm", "title_en": "Name", "type": "text", "required": True, "public": True},
            {"name": "ssid", "title": "Tên mạng (SSID)", "title_en": "SSID", "type": "text", "public": True},
            {"name": "nha_mang", "title": "Nhà mạng", "title_en": "Provider", "type": "text", "public": True},
            {"name": "mat_khau", "title": "Mật khẩu quản trị", "title_en": "Admin password", "type": "text"},
        ],
    },
    {
        "slug": "camera_an_ninh",
        "name_vi": "Camera an ninh",
        "name_en": "Security cameras",
        "geometry_type": "Point",
        "editor_roles": ["ward_officer"],
        "edit_scope": "ward",
        "style": {"color": "#7c3aed", "symbol": "camera", "by": "loai"},
        "minzoom": 14,
        "fields": [
            {"name": "ma", "title": "Mã camera", "title_en": "Camera code", "type": "text", "required": True},
            {
                "name": "loai",
                "title": "Loại",
                "title_en": "Kind",
                "type": "choice",
                "public": True,
                "choices": [
                    {"value": "giao_thong", "label": "Giao thông", "label_en": "Traffic", "color": "#7c3aed"},
                    {"value": "an_ninh", "label": "An ninh trật tự", "label_en": "Public order", "color": "#be123c"},
                ],
            },
            {"name": "don_vi", "title": "Đơn vị quản lý", "title_en": "Operated by", "type": "text"},
        ],
    },
]
PER_KHU_PHO = {"den_duong": 8, "diem_wifi": 2, "camera_an_ninh": 3}


def _values(slug: str, i: int, rng) -> dict:
    if slug == "den_duong":
        solar = rng.random() < 0.4
        return {
            "ma": f"DL-{i:04d}",
            "nguon": "solar" if solar else "grid",
            "cong_suat": 60 if solar else rng.choice([100, 150]),
            "ngay_lap": f"{rng.randint(2016, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "dang_sang": rng.random() > 0.08,
        }
    if slug == "diem_wifi":
        return {"ten": f"Wifi công cộng {i}", "ssid": f"Phuong-Free-{i}", "nha_mang": "VNPT", "mat_khau": f"qt{i:05d}"}
    return {"ma": f"CAM-{i:03d}", "loai": rng.choice(["giao_thong", "an_ninh"]), "don_vi": "Công an phường"}


def seed_theme_layers(ctx: DemoContext) -> None:
    ward: AdminUnit = ctx.data["ward"]
    admin = get_user_model().objects.filter(username="quantri").first()
    if admin is None:
        ctx.log("  theme layers: skipped (no demo administrator)")
        return
    rng = ctx.rng("themes")
    khu_phos = list(AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code"))
    made = []
    for data in LAYERS:
        slug = str(data["slug"])
        if ThemeLayer.objects.filter(slug=slug).exists():
            continue
        services.define(admin, {**data, "owner": ward.pk})
        layer = registry.known(slug)
        i = 0
        for kp in khu_phos:
            area = metric(kp.boundary).buffer(-5)
            for _ in range(PER_KHU_PHO[slug]):
                i += 1
                point = to_deg(random_point_in(area, rng))
                editing.create(layer, admin, _values(slug, i, rng), point)
        made.append(f"{slug} ({i})")
    ctx.log(f"  theme layers: {', '.join(made) or 'already there'}")
