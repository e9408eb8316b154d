"""The house-number and street layers of the map (found by `layers.registry`, which imports every app's `map_layers`):
public map data, read-only here (house numbers have their own editor API and imports)."""

from __future__ import annotations

from gisportal.permissions import Domain
from households.models import HouseNumber, Street
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

STREETS = register(
    Layer(
        name="streets",
        title="Đường phố",
        title_en="Streets",
        model=Street,
        public_fields=(
            Field("name", "Tên đường", "Name"),
            Field("ward", "Phường", "Ward", column="name", via="ward"),
        ),
        minzoom=12,
        detail_minzoom=12,  # lines are drawn as they are at every zoom they show: no clusters
        # The map fills the layers whose style has a `fill` and draws the others as points: "none" keeps lines lines.
        style={"color": "#b91c1c", "weight": 2, "fill": "none"},
        edit_domain=None,
        on_at_first=False,  # the basemap already draws and names the streets
    )
)
