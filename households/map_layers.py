"""The house-number layer of the map (found by `layers.registry`, which imports every app's `map_layers`):
public map data, read-only here (house numbers have their own editor API and imports)."""

from __future__ import annotations

from gisportal.permissions import Domain
from households.models import HouseNumber
from layers.registry import Field, Layer, register

HOUSE_NUMBERS = register(
    Layer(
        name="house_numbers",
        title="Số nhà",
        title_en="House numbers",
        model=HouseNumber,
        public_fields=(
            Field("number", "Số nhà", "Number"),
            Field("street", "Đường", "Street", column="name", via="street"),
            Field("address", "Địa chỉ", "Address"),
        ),
        public_filter="t.status = 'active'",
        # A ward holds ~10,000 numbers, one every few metres: single houses only where they can be told apart.
        minzoom=13,
        detail_minzoom=17,
        style={"color": "#475569", "radius": 3},
        private_domain=Domain.FEATURES,
        edit_domain=None,
    )
)
