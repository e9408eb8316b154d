"""The business sync's tests post as the world's administrator."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.businesses.sync_files import client_as


@pytest.fixture
def admin(world) -> Client:
    return client_as(world.users["admin"])
