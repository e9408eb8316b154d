"""Levels re-classify on the change events the server process hears, with nobody reloading the dashboard: a
leader's map open (so the process listens), an officer's save in the database, and the ward's level moves and is
logged once, however many events the save sent."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from frontend.models import AreaLevel, LevelChange, LevelScheme
from tests import asgi_live
from tests.conftest import build_world
from tests.factories import BusinessFactory
from tests.gisportal.test_events_asgi import Viewer, session_cookie, wait_until

LEVELS = [
    {"key": "low", "label": "Thấp", "label_en": "Low", "colour": "#2ca25f", "min": 0, "max": 3},
    {"key": "high", "label": "Cao", "label_en": "High", "colour": "#e31a1c", "min": 3, "max": None},
]


@pytest.fixture
def world_served(transactional_db):
    world = build_world()
    for server in asgi_live.serve():
        yield world, server


def test_a_save_reclassifies_its_ward_through_the_event_hub(world_served):
    world, server = world_served
    scheme = LevelScheme.objects.create(name="Hoạt động", indicator="active", levels=LEVELS)
    viewer = Viewer(server.url, session_cookie(world.users["district_leader"]), max_seconds=20)
    assert not AreaLevel.objects.exists()  # nothing classified yet: no dashboard was asked for
    BusinessFactory(ward=world.ward_a, geom=Point(106.695, 10.781, srid=4326))  # ward A: 3 active
    assert wait_until(lambda: AreaLevel.objects.filter(scheme=scheme, ward=world.ward_a, level="high").exists(), 5)
    assert wait_until(lambda: viewer.changes(), 2)
    # Every ward the event names, only those: ward B was not touched.
    assert not AreaLevel.objects.filter(ward=world.ward_b).exists()
    for i in range(3):  # a burst: the level stays, nothing more is logged
        BusinessFactory(ward=world.ward_a, geom=Point(106.695, 10.782 + i * 1e-4, srid=4326))
    assert wait_until(lambda: AreaLevel.objects.get(scheme=scheme, ward=world.ward_a).value == 6, 5)
    assert list(LevelChange.objects.values_list("ward_id", "level_from", "level_to")) == [(world.ward_a.pk, "", "high")]
    viewer.close()
