"""QGIS itself as the client (Debian 12's QGIS 3.22: python3-qgis, qgis-providers), as a desktop user tries it:
a WFS / OGC API – Features connection to the portal with the URL typed with and without the trailing slash, every
layer QGIS's browser finds opened with its OAPIF provider and read whole, in pages as large as the API offers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from psycopg import sql

from layers import registry
from layers.models import ForestPlot
from tests.layers.world import forest_plot, waste_field

CLIENT = Path(__file__).with_name("qgis_oapif_client.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def qgis_has_oapif() -> bool:
    probe = "import qgis.core"
    return (
        os.path.exists(SYSTEM_PYTHON)
        and subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode == 0
    )


pytestmark = pytest.mark.skipif(
    not qgis_has_oapif(), reason="QGIS is missing: `make test` installs python3-qgis and qgis-providers"
)


def qgis_reads(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # loopback, never through a proxy
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [SYSTEM_PYTHON, str(CLIENT), url], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def public_counts() -> dict[str, int]:
    """Every public collection's features, counted in the database (its table, its own public filter)."""
    out = {}
    with connection.cursor() as cur:
        for layer in registry.public_layers():
            query = sql.SQL("SELECT count(*) FROM {} t WHERE {}").format(
                sql.Identifier(layer.table), sql.SQL(layer.public_filter)
            )
            cur.execute(query)
            out[layer.name] = cur.fetchone()[0]
    return out


@pytest.fixture
def layers_world(live_world):
    waste_field(live_world, n=1_800)  # ~1,350 public: more than one page of 1,000, so paging is exercised
    for i in range(12):
        forest_plot(live_world.ward_a, f"CG-{i:03d}", 106.696 + (i % 4) * 0.0012, 10.777 + (i // 4) * 0.0012)
    ForestPlot.objects.filter(code="CG-011").update(is_deleted=True)
    return live_world


@pytest.mark.parametrize("typed", ["/ogc", "/ogc/"])
def test_qgis_finds_and_reads_every_public_collection(layers_world, live_server, typed):
    expected = public_counts()
    assert expected["waste_points"] > 1_000 and expected["businesses"] > 0 and expected["forest_plots"] == 11

    got = qgis_reads(live_server.url + typed)

    assert got["version"].startswith("3.")
    assert got["layers"] == expected, got
    waste_pages = [u for u in got["requests"] if "/collections/waste_points/items" in u]
    limits = [int(parse_qs(urlsplit(u).query).get("limit", ["0"])[0]) for u in waste_pages]
    # A first probe of 10 features (QGIS reads the fields from it), then pages of 1,000: the API's OpenAPI document
    # declares `limit`'s default and maximum. Without them QGIS reads 100 a request (14 requests here, not 2).
    pages = [n for n in limits if n != 10]
    assert pages and min(pages) >= 1_000, limits
    assert len(pages) == -(-expected["waste_points"] // min(pages)), limits
