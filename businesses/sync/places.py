"""Where checked rows are: the current ward and khu phố under each point, and the house number at each address."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import connection

from businesses.sync.messages import Clean, Rejections
from businesses.sync_files import folded_key
from households.addresses.geocode import geocode_many, wards_named
from layers.models import AdminUnit

GEOCODE_MIN_SCORE = 0.8  # bench/geocode.py: every match scoring this much was the right house
HOUSE_LINK_M = 30  # a given point this close to the geocoded house is that house


def units_at_points(cleans: list[Clean], day: dt.date) -> dict[int, tuple[int | None, int | None]]:
    """row → (ward, khu phố) for every point, in one query: the current units whose boundary covers it."""
    if not cleans:
        return {}
    current = AdminUnit.objects.valid_on(day).order_by()
    wards_sql, wards_params = current.wards().values("id").query.sql_with_params()
    kps_sql, kps_params = current.filter(level=AdminUnit.Level.KHU_PHO).values("id").query.sql_with_params()
    table = AdminUnit._meta.db_table
    sql = f"""
        SELECT t.i, w.id, k.id
          FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS t(i, lon, lat)
         CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS g) p
          LEFT JOIN LATERAL (
                SELECT a.id FROM {table} a
                 WHERE ST_Covers(a.boundary, p.g) AND a.id IN ({wards_sql})
                 ORDER BY a.id LIMIT 1) w ON true
          LEFT JOIN LATERAL (
                SELECT a.id FROM {table} a
                 WHERE a.parent_id = w.id AND ST_Covers(a.boundary, p.g) AND a.id IN ({kps_sql})
                 ORDER BY a.id LIMIT 1) k ON true"""
    points: list[list[Any]] = [[c.row for c in cleans], [c.lon for c in cleans], [c.lat for c in cleans]]
    with connection.cursor() as cur:
        cur.execute(sql, [*points, *wards_params, *kps_params])
        return {i: (ward, kp) for i, ward, kp in cur.fetchall()}


def locate_addresses(cleans: list[Clean], rejections: Rejections) -> None:
    """Link each row to the house number at its address; place the rows that came without coordinates there.

    A row without coordinates takes the point of a house-level match scoring at least GEOCODE_MIN_SCORE, or
    is rejected; a row with coordinates is linked to the matched house only when it stands within
    HOUSE_LINK_M of the given point, so a wrong match never overrides what the registrar measured.
    """
    todo = [c for c in cleans if c.values.get("address_current")]
    matches = geocode_many([c.values["address_current"] for c in todo])
    # The address before July 2025 ('…, Phường 2, Quận 3') finds the house when today's did not.
    retry = [i for i, m in enumerate(matches) if m.level != "house" and todo[i].values.get("address_legacy")]
    for i, m in zip(retry, geocode_many([todo[i].values["address_legacy"] for i in retry]), strict=True):
        if m.level == "house" and m.score > matches[i].score:
            matches[i] = m
    for c, m in zip(todo, matches, strict=True):
        house = m.level == "house" and m.score >= GEOCODE_MIN_SCORE
        if c.geocode:
            if house:
                c.lon, c.lat = m.lon, m.lat
            elif len(wards := wards_named(c.values["address_current"])) > 1:  # a ward split in 2025, say
                address = c.values["address_current"]
                rejections.add(c, "lat,lon", "ambiguous_ward", address=address, n=len(wards), names=", ".join(wards))
                continue
            else:
                rejections.add(c, "lat,lon", "not_geocoded", address=c.values["address_current"], score=m.score)
                continue
        elif (
            not house
            or c.lon is None
            or c.lat is None
            or m.lon is None
            or m.lat is None
            or _metres(c.lon, c.lat, m.lon, m.lat) > HOUSE_LINK_M
        ):
            house = False
        c.values["house_number_id"] = m.house_number_id if house else None
    for c in cleans:
        c.values.setdefault("house_number_id", None)


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance on the sphere, good to a few cm over the tens of metres it is used for."""
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(dlat, dlon)


def khu_pho_index(day: dt.date) -> dict[int, dict[str, int]]:
    """ward id → {key: khu phố id}; a file may name one by code or name ('Khu phố 3', '3')."""
    index: dict[int, dict[str, int]] = {}
    units = AdminUnit.objects.valid_on(day).filter(level=AdminUnit.Level.KHU_PHO)
    for pk, parent, code, name in units.values_list("id", "parent_id", "code", "name"):
        names = index.setdefault(parent, {})
        names[folded_key(code)] = names[folded_key(name)] = names[short_name(name)] = pk
    return index


def short_name(name: str) -> str:
    return folded_key(name).removeprefix("khu pho ").removeprefix("ap ")
