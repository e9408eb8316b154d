"""The thematic layers of this app on the map: waste points and forest plots (found by `layers.registry`, which
imports every app's `map_layers`). Both are read by the features domain's roles and edited by them (the defaults)."""

from __future__ import annotations

from layers.models import ForestPlot, WastePoint
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
