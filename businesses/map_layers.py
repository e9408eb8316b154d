"""The business households layer of the map (found by `layers.registry`, which imports every app's `map_layers`)."""

from __future__ import annotations

from businesses.models import Business
from gisportal.permissions import Domain
from layers.registry import Field, Layer, register

BUSINESSES = register(
    Layer(
        name="businesses",
        title="Hộ kinh doanh",
        title_en="Businesses",
        model=Business,
        public_fields=(
            Field("signboard", "Biển hiệu", "Signboard"),
            Field("industry_code", "Mã ngành", "Industry code", column="code", via="industry"),
            Field("industry", "Ngành nghề", "Industry", column="name", via="industry"),
            Field("address", "Địa chỉ", "Address", column="address_current"),
            Field("status", "Tình trạng", "Status"),
        ),
        # Terminated and revoked households are history, not places on today's map.
        public_filter="NOT t.is_deleted AND t.status IN ('active', 'suspended')",
        minzoom=10,
        # The densest z14 tile of the 1M-row bench holds 19,000 households (2.3 MB, ~100 ms as features);
        # at z16, ~1,300 (175 kB, ~8 ms). Below z16 the map gets clusters (bench/tiles_vector.py).
        detail_minzoom=16,
        cluster_index="business_tile_key",  # migration 0011: z14 clusters of 19,000 rows in ~5 ms, not 15-25
        cluster_cells="businesses_tile_cell",  # migration 0017: a z10 tile reads ≤ 16,384 sums, not 2M rows
        style={"color": "#b45309", "radius": 5},
        private_domain=Domain.FEATURES,
        edit_domain=Domain.FEATURES,
    )
)
