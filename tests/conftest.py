"""Shared fixtures: a two-ward world with one user per role, and a real Celery worker."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from gisportal.models import Role
from layers.models import AdminUnit
from tests.factories import AdminUnitFactory, BusinessFactory, POIFactory, industry, square, user_with_role

ROOT = Path(__file__).resolve().parent.parent


# Packages and modules whose tests share a database fixture seeded once (the whole demo ward, ~20 s to seed): each
# runs on one worker, its tests one after another, so no other test empties the database in between.
SHARED_SEED_PACKAGES = ("tests/browser/demo/", "tests/businesses/test_hot_plans.py")


# Browser test modules go to one worker each, whole: their Chromium (a module fixture, tests/browser/conftest.py)
# then starts once per module, not once on each worker that runs one of its tests.
WHOLE_MODULE_PACKAGES = ("tests/browser/",)


def pytest_xdist_make_scheduler(config, log):
    """xdist's own scheduling, except that each of SHARED_SEED_PACKAGES goes to one worker as one unit, and each
    module of WHOLE_MODULE_PACKAGES too. xdist hands the largest units out first, then single tests as workers ask.

    This is what `--dist loadgroup` is for, but xdist 3.8 marks the group by renaming `item._nodeid`, which
    pytest 9 no longer reads, so its groups are silently ignored.
    """
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedSeedScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if shared := next((p for p in SHARED_SEED_PACKAGES if nodeid.startswith(p)), None):
                return shared
            if nodeid.startswith(WHOLE_MODULE_PACKAGES):
                return nodeid.split("::", 1)[0]
            return nodeid

    return SharedSeedScheduling(config, log)


@dataclass
class World:
    """Ward A (khu phố A1, A2) and ward B (khu phố B1), a POI each, a user per role."""

    city: AdminUnit
    ward_a: AdminUnit
    ward_b: AdminUnit
    kp_a1: AdminUnit
    kp_a2: AdminUnit
    kp_b1: AdminUnit
    users: dict[str, object] = field(default_factory=dict)
    businesses: list = field(default_factory=list)

    def private_values(self, *units: AdminUnit) -> list[str]:
        """Private values held by these units and by the businesses placed in them."""
        values = [v for u in units for v in (u.head_name, u.head_phone) if v]
        ids = {u.pk for u in units}
        for b in self.businesses:
            if b.khu_pho_id in ids or (b.ward_id in ids and b.khu_pho_id is None):
                values += [b.owner_name, b.owner_phone]
        return values


def build_world() -> World:
    city = AdminUnitFactory(
        level="city", kind="thanh_pho", code="79", name="Thành phố Hồ Chí Minh", boundary=square(106.70, 10.78, 0.2)
    )
    ward_a = AdminUnitFactory(
        name="Phường An Nhơn",
        parent=city,
        boundary=square(106.70, 10.78, 0.01),
        head_name="Chủ Tịch Ánh",
        head_phone="0900000001",
    )
    ward_b = AdminUnitFactory(
        name="Phường Bình Lợi",
        parent=city,
        boundary=square(106.73, 10.78, 0.01),
        head_name="Chủ Tịch Bảo",
        head_phone="0900000002",
    )
    kp = dict(level="khu_pho", kind="khu_pho")
    kp_a1 = AdminUnitFactory(
        **kp,
        name="Khu phố 1",
        parent=ward_a,
        boundary=square(106.695, 10.78, 0.004),
        head_name="Trưởng Khu Phố Một",
        head_phone="0911111111",
    )
    kp_a2 = AdminUnitFactory(
        **kp,
        name="Khu phố 2",
        parent=ward_a,
        boundary=square(106.705, 10.78, 0.004),
        head_name="Trưởng Khu Phố Hai",
        head_phone="0922222222",
    )
    kp_b1 = AdminUnitFactory(
        **kp,
        name="Khu phố B1",
        parent=ward_b,
        boundary=square(106.73, 10.78, 0.004),
        head_name="Trưởng Khu Phố Ba",
        head_phone="0933333333",
    )
    POIFactory(ward=ward_a, khu_pho=kp_a1, geom=Point(106.695, 10.78, srid=4326), kind="school")
    POIFactory(ward=ward_b, khu_pho=kp_b1, geom=Point(106.73, 10.78, srid=4326), kind="health")
    world = World(city, ward_a, ward_b, kp_a1, kp_a2, kp_b1)
    world.businesses = [
        BusinessFactory(
            ward=ward_a,
            khu_pho=kp_a1,
            signboard="Phở Hòa",
            owner_name="Chủ Phở Một",
            owner_phone="0971000001",
            geom=Point(106.695, 10.781, srid=4326),
        ),
        BusinessFactory(
            ward=ward_a,
            khu_pho=kp_a2,
            signboard="Cà phê Lan",
            owner_name="Chủ Cà Phê Hai",
            owner_phone="0971000002",
            industry=industry("5630"),
            geom=Point(106.705, 10.781, srid=4326),
        ),
        BusinessFactory(
            ward=ward_b,
            khu_pho=kp_b1,
            signboard="Tạp hóa Minh",
            owner_name="Chủ Tạp Hóa Ba",
            owner_phone="0971000003",
            industry=industry("4711"),
            geom=Point(106.73, 10.781, srid=4326),
        ),
    ]
    world.users = {
        "khu_pho_officer": user_with_role("kp_a1", Role.KHU_PHO_OFFICER, khu_pho=kp_a1),
        "ward_officer": user_with_role("officer_a", Role.WARD_OFFICER, wards=[ward_a]),
        "land_officer": user_with_role("land_a", Role.LAND_OFFICER, wards=[ward_a]),
        "district_leader": user_with_role("leader", Role.DISTRICT_LEADER),
        "admin": user_with_role("root", Role.ADMIN),
    }
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def live_world(transactional_db) -> World:
    return build_world()


@pytest.fixture(autouse=True, scope="session")
def _few_password_rounds():
    """Test users' passwords hashed at few rounds (tests/passwords.py): what a test checks of a password is that it
    is checked, not how slow its hash is. Django's own PBKDF2 stays listed, as a portal process knows it."""
    from django.test import override_settings

    fast = override_settings(
        PASSWORD_HASHERS=[
            "tests.passwords.FewRoundsPBKDF2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    )
    fast.enable()  # sends setting_changed, which empties Django's cache of the hashers
    yield
    fast.disable()


@pytest.fixture(autouse=True, scope="session")
def _short_event_heartbeats():
    """Live-change streams notice a gone browser at their next heartbeat: make that 1 s, not 15, so no
    stream outlives its test holding a connection to the test database."""
    from django.conf import settings

    settings.EVENTS_HEARTBEAT_S = 1


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the Redis broker, writing to the test database."""
    from django.db import connection

    from gisportal.celery import app, worker_command

    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    # The worker inherits PYTEST_VERSION (and PYTEST_XDIST_WORKER), so its settings pick the same
    # per-process Redis database as this process's (gisportal/settings.py).
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    # Stored uploads (a queued GIS import's file) must be where both processes look: a folder of its own.
    spool_dir = tempfile.mkdtemp(prefix="gisportal-spool-test-")
    env["SPOOL_DIR"] = spool_dir
    log_path = ROOT / "var" / "log" / f"celery-test-{worker_id}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        worker_command(f"test-{worker_id}@%h", "--concurrency=1", "--loglevel=INFO"),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            break
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited with {proc.returncode}; see {log_path}")
    else:
        proc.kill()
        raise RuntimeError(f"celery worker did not answer within 60 s; see {log_path}")
    proc.spool_dir = Path(spool_dir)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(spool_dir, ignore_errors=True)
