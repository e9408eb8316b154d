"""Where the address search put its ring, measured on the screen and on the ground (test_search, test_citizen_phone)."""

from __future__ import annotations

import math


def ring_on(page, lat: float, lon: float) -> float:
    """Pixels between the search's ring and the house's point on the screen."""
    return page.evaluate(
        """([lat, lon]) => {
             const p = window.portalMap.latLngToContainerPoint([lat, lon]);
             const m = document.getElementById('map').getBoundingClientRect();
             const r = document.querySelector('path.search-hit').getBoundingClientRect();
             return Math.hypot(r.x + r.width / 2 - m.x - p.x, r.y + r.height / 2 - m.y - p.y);
           }""",
        [lat, lon],
    )


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    k = 111_320
    return math.hypot((lat2 - lat1) * k, (lon2 - lon1) * k * math.cos(math.radians(lat1)))
