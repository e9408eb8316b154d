"""Browser tests that only read the demo ward share one seeded copy of it.

Seeding the whole demo takes 15–20 s; done per test (pytest-django's live server asks for `transactional_db`,
which empties the database after each test) it was the largest share of `make test`. Here the demo is seeded
once for the package and emptied after it, and the live server helper is replaced by one that does not flush.
Tests in this package must not write anything another test here reads; a test that edits belongs one level up.
The scheduler in tests/conftest.py sends all of them to one xdist worker, one after another, so the seed is paid
once.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from gisportal.demo import DemoContext, run
from layers import demo as layers_demo


@pytest.fixture(scope="package")
def demo_ward(django_db_setup, django_db_blocker):
    """The demo as `make run` seeds it (without the city table and the aerial epochs), for the whole package."""
    from layers.models import AdminUnit

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)  # whatever an earlier test left
        run(DemoContext(seed=2025, password="pw-demo-1", log=lambda _m: None))
        try:
            yield AdminUnit.objects.get(level="ward", code=layers_demo.WARD_CODE, valid_to=None)
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _live_server_helper(request, demo_ward):
    """pytest-django's helper without its `transactional_db` (which would empty the shared demo after each test);
    the database stays unblocked by `demo_ward` for the package."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()
