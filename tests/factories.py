"""factory_boy factories: small, explicit test worlds built in code."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from gisportal.models import Profile, Role
from layers.models import POI, AdminUnit


def square(lon: float, lat: float, half: float) -> MultiPolygon:
    """A square MultiPolygon in degrees centred on (lon, lat)."""
    ring = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]
    return MultiPolygon(Polygon([*ring, ring[0]], srid=4326), srid=4326)


class AdminUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminUnit

    level = AdminUnit.Level.WARD
    kind = AdminUnit.Kind.PHUONG
    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Phường Thử {n}")
    valid_from = dt.date(2025, 7, 1)
    boundary = factory.LazyFunction(lambda: square(106.70, 10.78, 0.01))


class POIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = POI

    kind = POI.Kind.SCHOOL
    name = factory.Sequence(lambda n: f"Trường Thử {n}")
    geom = factory.LazyFunction(lambda: Point(106.70, 10.78, srid=4326))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-1")

    @factory.post_generation
    def finish(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(username: str, role: Role, wards=(), khu_pho=None):
    user = UserFactory(username=username, is_superuser=role == Role.ADMIN, is_staff=role == Role.ADMIN)
    profile = Profile.objects.create(user=user, role=role, khu_pho=khu_pho)
    profile.wards.set(list(wards))
    return user


def industry(code: str, version: str = "VSIC2018"):
    from businesses.models import Industry
    from businesses.vsic import ensure_reference

    ensure_reference()
    return Industry.objects.get(version=version, code=code)


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "businesses.Business"

    registration_no = factory.Sequence(lambda n: f"41T{n:07d}")
    signboard = factory.Sequence(lambda n: f"Cửa hàng Thử {n}")
    owner_name = factory.Sequence(lambda n: f"Chủ Hộ Thứ {n}")
    owner_phone = factory.Sequence(lambda n: f"098{n:07d}")
    industry = factory.LazyFunction(lambda: industry("5610"))
    section = factory.LazyAttribute(lambda o: o.industry.section)
    address_current = "1 Đường Thử, Phường Thử"
    registered_on = dt.date(2020, 1, 1)
    geom = factory.LazyFunction(lambda: Point(106.70, 10.78, srid=4326))


def offset_point(lon: float, lat: float, east_m: float, north_m: float) -> Point:
    """The point east_m/north_m metres (in UTM 48N) from (lon, lat)."""
    from layers.crs import UTM48N, WGS84, transformer

    x, y = transformer(WGS84, UTM48N).transform(lon, lat)
    lon2, lat2 = transformer(UTM48N, WGS84).transform(x + east_m, y + north_m)
    return Point(lon2, lat2, srid=4326)
