"""The thematic layers of this app on the map: waste points and forest plots (found by `layers.registry`, which
imports every app's `map_layers`). Both are read by the features domain's roles and edited by them (the defaults)."""

from __future__ import annotations

from layers.models import POI, AdminUnit, ForestPlot, WastePoint
from layers.registry import Field, Layer, register

KHU_PHO = Field("khu_pho", "Khu phố", "Khu phố", column="name", via="khu_pho")

WASTE_POINTS = register(
    Layer(
        name="waste_points",
        title="Điểm rác và vệ sinh công cộng",
        title_en="Waste points",
        model=WastePoint,
        public_fields=(
            Field("kind", "Loại", "Kind"),
            Field("name", "Tên", "Name"),
            Field("address", "Địa chỉ", "Address"),
            Field("capacity", "Sức chứa", "Capacity"),
            Field("operator", "Đơn vị quản lý", "Operator"),
            Field("collection_schedule", "Lịch thu gom", "Collection schedule"),
            Field("condition", "Tình trạng", "Condition"),
            Field("last_inspected", "Kiểm tra lần cuối", "Last inspected"),
            KHU_PHO,
        ),
        # Source owners are households and businesses with their fee status: officers see them in the
        # editor and the statistics count them, but they are not places on the public map.
        public_filter="NOT t.is_deleted AND t.kind <> 'source_owner'",
        minzoom=12,
        detail_minzoom=15,
        style={
            "color": "#15803d",
            "radius": 5,
            "by": "kind",
            "colors": {
                "bin": "#15803d",
                "toilet": "#0369a1",
                "transfer_station": "#7c3aed",
                "dump_hotspot": "#dc2626",
            },
        },
        edit_fields=(
            "kind",
            "name",
            "address",
            "capacity",
            "operator",
            "collection_schedule",
            "condition",
            "last_inspected",
            "source_kind",
            "fee_status",
            "monthly_fee",
            "contact_name",
            "contact_phone",
        ),
    )
)

FOREST_PLOTS = register(
    Layer(
        name="forest_plots",
        title="Ô định vị rừng",
        title_en="Forest plots",
        model=ForestPlot,
        public_fields=(
            Field("code", "Mã ô", "Plot code"),
            Field("sub_zone", "Tiểu khu", "Sub-zone"),
            Field("species", "Loài cây", "Species"),
            Field("planting_year", "Năm trồng", "Planting year"),
            Field("area_ha", "Diện tích (ha)", "Area (ha)"),
        ),
        public_filter="NOT t.is_deleted",
        minzoom=9,
        detail_minzoom=12,
        style={"color": "#166534", "fill": "#4ade80", "weight": 1},
        edit_fields=("code", "sub_zone", "species", "planting_year", "notes"),
    )
)

# --- the frame: admin units and public facilities, read-only (the unit import and the admin site write them) ---

# A unit's period and what replaced it (HCMC's 2025 reform): old wards stay, with `valid_to` and a successor.
_UNIT_FIELDS = (
    Field("code", "Mã", "Code"),
    Field("name", "Tên", "Name"),
    Field("kind", "Loại", "Kind"),
    Field("valid_from", "Hiệu lực từ", "Valid from"),
    Field("valid_to", "Hiệu lực đến", "Valid to"),
    Field("successor", "Đơn vị kế thừa", "Successor", column="name", via="successor"),
    Field("successor_code", "Mã đơn vị kế thừa", "Successor code", column="code", via="successor"),
    Field("approximate", "Ranh giới gần đúng", "Approximate boundary"),
)


def _unit_layer(name: str, title: str, title_en: str, level: str, fields: tuple[Field, ...], **kw) -> Layer:
    """One level of the admin units as a read-only public layer: whole polygons at every zoom it has (no
    clusters), drawn from the stored EPSG:3857 boundary; the heads' names and phones (AdminUnit.private_fields)
    are never in a tile or a page. Off at first: the home map draws the home wards' outlines itself."""
    return register(
        Layer(
            name=name,
            title=title,
            title_en=title_en,
            model=AdminUnit,
            public_fields=(*_UNIT_FIELDS, *fields),
            public_filter=f"t.level = '{level}'",
            geom_field="boundary",
            tile_geom_field="boundary_3857",
            detail_minzoom=kw["minzoom"],
            edit_domain=None,
            on_at_first=False,
            **kw,
        )
    )


ADMIN_WARDS = _unit_layer(
    "admin_wards",
    "Phường, xã",
    "Wards and communes",
    AdminUnit.Level.WARD,
    (Field("area_km2", "Diện tích (km²)", "Area (km²)"), Field("population", "Dân số", "Population")),
    minzoom=8,
    style={"color": "#0b5394", "fill": "#0b5394", "weight": 2},
)

ADMIN_KHU_PHO = _unit_layer(
    "admin_khu_pho",
    "Khu phố, ấp",
    "Neighbourhoods (khu phố)",
    AdminUnit.Level.KHU_PHO,
    (Field("ward", "Phường", "Ward", column="name", via="parent"), Field("population", "Dân số", "Population")),
    minzoom=11,
    style={"color": "#6aa84f", "fill": "#6aa84f", "weight": 1},
)

PUBLIC_FACILITIES = register(
    Layer(
        name="public_facilities",
        title="Cơ sở công cộng",
        title_en="Public facilities",
        model=POI,
        public_fields=(
            Field("kind", "Loại", "Kind"),
            Field("name", "Tên", "Name"),
            Field("address", "Địa chỉ", "Address"),
            Field("phone", "Điện thoại", "Phone"),  # the facility's public line
            Field("ward", "Phường", "Ward", column="name", via="ward"),
            KHU_PHO,
        ),
        minzoom=11,
        detail_minzoom=14,
        style={
            "color": "#1d4ed8",
            "radius": 5,
            "by": "kind",
            "colors": {
                "office": "#1d4ed8",
                "school": "#ca8a04",
                "health": "#dc2626",
                "market": "#9333ea",
                "police": "#0f172a",
            },
        },
        edit_domain=None,
        on_at_first=False,  # the home map draws the home wards' facilities with their own symbols
    )
)
