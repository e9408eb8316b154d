"""A streetlight layer as a ward's administrator defines it, and the HTTP calls the theme tests share."""

from __future__ import annotations

import copy
import json

from django.test import Client

GEOJSON = "application/geo+json"

STREETLIGHTS = {
    "slug": "streetlights",
    "name_vi": "Đèn đường",
    "name_en": "Streetlights",
    "geometry_type": "Point",
    "fields": [
        {"name": "code", "title": "Mã đèn", "title_en": "Lamp code", "type": "text", "required": True, "public": True},
        {
            "name": "power",
            "title": "Nguồn điện",
            "title_en": "Power",
            "type": "choice",
            "public": True,
            "required": True,
            "choices": [
                {"value": "solar", "label": "Năng lượng mặt trời", "label_en": "Solar", "color": "#f59e0b"},
                {"value": "grid", "label": "Điện lưới", "label_en": "Grid", "color": "#1d4ed8"},
            ],
        },
        {"name": "watts", "title": "Công suất (W)", "title_en": "Wattage (W)", "type": "number", "public": True},
        {"name": "installed", "title": "Ngày lắp", "title_en": "Installed on", "type": "date", "past_only": True},
        {"name": "working", "title": "Đang sáng", "title_en": "Working", "type": "boolean", "public": True},
        {"name": "caretaker_phone", "title": "SĐT người trông", "title_en": "Caretaker's phone", "type": "text"},
    ],
    "editor_roles": ["ward_officer", "khu_pho_officer"],
    "edit_scope": "khu_pho",
    "style": {"color": "#f59e0b", "symbol": "lamp", "by": "power"},
    "minzoom": 12,
}


def streetlights(world, **changes) -> dict:
    data = copy.deepcopy(STREETLIGHTS)
    data["owner"] = world.ward_a.pk
    data.update(changes)
    return data


def as_role(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def send(client: Client, method: str, url: str, body=None, content_type: str = "application/json", **headers):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data=data, content_type=content_type, headers=headers)


def define(world, role: str = "admin", **changes):
    return send(as_role(world, role), "post", "/api/v1/themes/", streetlights(world, **changes))


def lamp(lon: float = 106.695, lat: float = 10.781, **props) -> dict:
    base = {"code": "DL-001", "power": "solar", "watts": 40, "installed": "2024-03-01", "working": True}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": base | {"caretaker_phone": "0909123456"} | props,
    }


def items(slug: str = "streetlights") -> str:
    return f"/ogc/collections/{slug}/items"


def add(client: Client, feature: dict, slug: str = "streetlights"):
    return send(client, "post", items(slug), feature, content_type=GEOJSON)


def sample(world) -> str:
    """The streetlight layer of ward A with one lamp in khu phố A1 (its caretaker's phone is private), made once
    per world, for the role × endpoint test (tests/endpoints.py)."""
    from layers.themes import services
    from layers.themes.models import ThemeFeature, ThemeLayer

    row = ThemeLayer.objects.filter(slug="streetlights").first() or services.define(
        world.users["admin"], streetlights(world)
    )
    if not ThemeFeature.objects.filter(layer=row).exists():
        from django.contrib.gis.geos import Point

        values = {"code": "DL-MAU", "power": "solar", "caretaker_phone": "0909123456"}
        ThemeFeature.objects.create(
            layer=row, values=values, ward=world.ward_a, khu_pho=world.kp_a1, geom=Point(106.695, 10.781, srid=4326)
        )
    return row.slug
