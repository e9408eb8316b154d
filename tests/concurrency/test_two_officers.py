"""Two officers save the same feature at the same instant, against a live server, many rounds: exactly one
wins (200), the other is told someone saved first (409), and the stored row is the winner's, one version
on — never a lost update. Then an import commits into a layer while officers edit that layer's features.

Every request signs in with the officer's personal API token (the OGC writes too: what QGIS sends).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from gisportal.models import Role
from gisportal.tokens import ApiToken
from tests.factories import user_with_role
from tests.layers.world import waste_point

ROUNDS = 15
LON, LAT = 106.695, 10.7812


@pytest.fixture
def officers(live_world) -> list[requests.Session]:
    """Two ward officers of ward A, each with a token of their own."""
    second = user_with_role("officer_a2", Role.WARD_OFFICER, wards=[live_world.ward_a])
    sessions = []
    for user in (live_world.users["ward_officer"], second):
        _, key = ApiToken.issue(user, "concurrency")
        session = requests.Session()
        session.headers["Authorization"] = f"Token {key}"
        sessions.append(session)
    return sessions


def race(sends: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the sends at the same instant (a barrier releases every thread together)."""
    barrier = threading.Barrier(len(sends))

    def go(send):
        barrier.wait()
        return send()

    with ThreadPoolExecutor(len(sends)) as pool:
        return list(pool.map(go, sends))


def one_wins(responses: list[requests.Response], what: str, round_no: int) -> int:
    """The index of the one 200; the other must be a 409 in the error shape."""
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], f"{what}, round {round_no}: {[(r.status_code, r.text[:200]) for r in responses]}"
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["error"] and loser["message"] and loser["message_en"]
    return next(i for i, r in enumerate(responses) if r.status_code == 200)


def test_a_business(live_server, live_world, officers):
    business = live_world.businesses[0]
    url = f"{live_server.url}/api/v1/businesses/{business.pk}/"
    for n in range(ROUNDS):
        version = officers[0].get(url).json()["properties"]["version"]
        names = [f"Phở Hòa {n}-{who}" for who in "AB"]

        def save(session, name, version=version):
            body = {"type": "Feature", "properties": {"signboard": name}}
            return lambda: session.patch(url, json=body, headers={"If-Match": f'"{version}"'}, timeout=60)

        winner = one_wins(race([save(s, name) for s, name in zip(officers, names, strict=True)]), "business", n)
        stored = officers[1].get(url).json()["properties"]
        assert (stored["signboard"], stored["version"]) == (names[winner], version + 1)


def test_a_house_number(live_server, live_world, officers):
    from households.models import HouseNumber
    from tests.households.house_world import make_streets

    street = make_streets(live_world)["ndc_a"]
    house = HouseNumber.objects.create(
        ward=live_world.ward_a,
        khu_pho=live_world.kp_a1,
        street=street,
        number="12",
        main=12,
        geom=f"SRID=4326;POINT({LON} {LAT})",
    )
    url = f"{live_server.url}/api/v1/house-numbers/{house.pk}/"
    for n in range(ROUNDS):
        version = officers[0].get(url).json()["properties"]["version"]
        lons = [round(LON + 1e-6 * (2 * n + who), 7) for who in (1, 2)]

        def save(session, lon, version=version):
            return lambda: session.patch(url, json={"lon": lon, "lat": LAT, "version": version}, timeout=60)

        winner = one_wins(race([save(s, lon) for s, lon in zip(officers, lons, strict=True)]), "house number", n)
        house.refresh_from_db()
        assert (round(house.geom.x, 7), house.version) == (lons[winner], version + 1)


@pytest.mark.parametrize("door", ["ogc", "editor"])
def test_a_layer_feature(live_server, live_world, officers, door):
    """Through OGC API Part 4 (a desktop client's door, the version in the Feature) and through the web
    editor's read of the same feature."""
    point = waste_point(live_world.ward_a, live_world.kp_a1, LON, LAT, name="Thùng rác 1")
    item = f"{live_server.url}/ogc/collections/waste_points/items/{point.pk}"
    read = f"{live_server.url}/api/v1/layers/waste_points/features/{point.pk}/" if door == "editor" else item
    for n in range(ROUNDS):
        version = int(officers[0].get(read).headers["ETag"].strip('"'))
        names = [f"Thùng rác {n}-{who}" for who in "AB"]

        def save(session, name, version=version):
            body = {"type": "Feature", "properties": {"name": name, "version": version}}
            data = json.dumps(body)
            headers = {"Content-Type": "application/geo+json"}
            return lambda: session.patch(item, data=data, headers=headers, timeout=60)

        winner = one_wins(race([save(s, name) for s, name in zip(officers, names, strict=True)]), "layer feature", n)
        point.refresh_from_db()
        assert (point.name, point.version) == (names[winner], version + 1)


def test_an_import_while_officers_edit_the_same_layer(live_server, live_world, officers):
    """A file of 300 points is committed while two officers keep renaming three features of the layer: the
    import writes all its rows, every edit lands (each officer sends the version they just read), and no
    request fails."""
    mine = [waste_point(live_world.ward_a, live_world.kp_a1, LON + 1e-4 * i, LAT, name=f"Cũ {i}") for i in range(3)]
    before = {p.pk for p in mine}
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [LON - 2e-3 + 1e-5 * i, LAT - 1e-3]},
            "properties": {"name": f"Nhập {i}", "kind": "bin"},
        }
        for i in range(300)
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    admin = requests.Session()
    _, key = ApiToken.issue(live_world.users["admin"], "import")
    admin.headers["Authorization"] = f"Token {key}"
    imports = f"{live_server.url}/api/v1/layers/waste_points/imports"
    preview = admin.post(imports, files={"file": ("points.geojson", data)}, timeout=120)
    assert preview.status_code == 201, preview.text[:300]
    job = preview.json()["id"]

    stop = threading.Event()
    edits: list[tuple[int, int, str]] = []  # (feature, status, name sent)

    def edit(session, who: str):
        n = 0
        while not stop.is_set() or n < 6:
            p = mine[n % 3]
            url = f"{live_server.url}/ogc/collections/waste_points/items/{p.pk}"
            version = int(session.get(url).headers["ETag"].strip('"'))
            name = f"Sửa {who}{n}"
            body = json.dumps({"type": "Feature", "properties": {"name": name, "version": version}})
            r = session.patch(url, data=body, headers={"Content-Type": "application/geo+json"}, timeout=60)
            edits.append((p.pk, r.status_code, name))
            n += 1

    with ThreadPoolExecutor(3) as pool:
        editors = [pool.submit(edit, s, who) for s, who in zip(officers, "AB", strict=True)]
        committed = admin.post(f"{imports}/{job}/commit", timeout=300)
        stop.set()
        for f in editors:
            f.result()

    assert committed.status_code == 200, committed.text[:300]
    from layers.models import WastePoint

    imported = WastePoint.objects.exclude(pk__in=before).filter(name__startswith="Nhập ")
    assert imported.count() == 300
    # Every edit landed or lost a race to the other officer's (409) — never a 5xx, never refused otherwise.
    assert edits and {status for _, status, _ in edits} <= {200, 409}, edits
    for p in mine:
        p.refresh_from_db()
        landed = [(name) for pk, status, name in edits if pk == p.pk and status == 200]
        assert landed, f"no edit of {p.pk} landed"
        # The stored name is the one of the last successful edit, and each success made one version.
        assert p.name in landed and p.version == 1 + len(landed)
