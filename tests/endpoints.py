"""Every URL of the portal, enumerated from the URL configuration itself.

A new endpoint joins the role × endpoint test automatically; one with path parameters
must add its sample values to SAMPLE_KWARGS, or the test fails and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import morecantile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Django's own admin checks its own permissions (staff only) and is not a portal endpoint.
SKIP_NAMESPACES = {"admin"}


def _tile_of(point, z: int) -> dict:
    t = morecantile.tms.get("WebMercatorQuad").tile(point.x, point.y, z)
    return {"z": t.z, "x": t.x, "y": t.y}


# url name → function(world) → kwargs for reverse().
SAMPLE_KWARGS: dict[str, Callable] = {
    "leader-level": lambda w: {"pk": _level_scheme(w)},
    "adminunit-detail": lambda w: {"pk": w.kp_a1.pk},
    "poi-detail": lambda w: {"pk": w.ward_a.pois.first().pk},
    "tiles-tilejson": lambda w: {"layer": "businesses"},
    # The z16 tile (features, not clusters) holding the world's first business, so the leak check bites.
    "tiles-tile": lambda w: {"layer": "businesses", **_tile_of(w.businesses[0].geom, 16)},
    "basemap-tile": lambda w: _tile_of(w.businesses[0].geom, 16),
    "business-detail": lambda w: {"pk": w.businesses[0].pk},
    "business-restore": lambda w: {"pk": w.businesses[0].pk},
    "business-history": lambda w: {"pk": w.businesses[0].pk},
    "business-sync-run": lambda w: {"pk": _sync_run(w)},
    "imagery-acquisition": lambda w: {"pk": _land(w)["acquisition"]},
    "imagery-job": lambda w: {"pk": _land(w)["job"]},
    "imagery-tile": lambda w: {"pk": _land(w)["acquisition"], **_land(w)["tile"], "fmt": "png"},
    "imagery-tilejson": lambda w: {"pk": _land(w)["acquisition"]},
    "imagery-point": lambda w: {"pk": _land(w)["acquisition"]},
    "imagery-crop": lambda w: {"pk": _land(w)["acquisition"]},
    "parcel-detail": lambda w: {"pk": _land(w)["parcel"]},
    "parcel-history": lambda w: {"pk": _land(w)["parcel"]},
    "parcel-geojson": lambda w: {"pk": _land(w)["parcel"]},
    "parcel-csv": lambda w: {"pk": _land(w)["parcel"]},
    "permit-detail": lambda w: {"pk": _land(w)["permit"]},
    "permit-history": lambda w: {"pk": _land(w)["permit"]},
    "detection-run": lambda w: {"pk": _detection(w)["run"]},
    "detection-run-cancel": lambda w: {"pk": _detection(w)["run"]},
    "detection-flag": lambda w: {"pk": _detection(w)["flag"]},
    "detection-flag-decide": lambda w: {"pk": _detection(w)["flag"]},
    "detection-flag-history": lambda w: {"pk": _detection(w)["flag"]},
    "detection-flag-chip": lambda w: {"pk": _detection(w)["flag"], "which": "after"},
    "house-number-detail": lambda w: {"pk": _households("house_number", w)},
    "house-number-history": lambda w: {"pk": _households("house_number", w)},
    "house-import-detail": lambda w: {"pk": _households("house_import", w)},
    "household-detail": lambda w: {"pk": _households("household", w)},
    "household-moves": lambda w: {"pk": _households("household", w)},
    "ogc-collection": lambda w: {"collection": "businesses"},
    "ogc-queryables": lambda w: {"collection": "businesses"},
    "ogc-schema": lambda w: {"collection": "waste_points"},
    "ogc-items": lambda w: {"collection": "businesses"},
    "ogc-item": lambda w: {"collection": "businesses", "feature_id": str(w.businesses[0].pk)},
    "layer-features": lambda w: {"layer": "waste_points"},
    "layer-feature": lambda w: {"layer": "waste_points", "pk": _waste_point(w)},
    "layer-feature-history": lambda w: {"layer": "waste_points", "pk": _waste_point(w)},
    "layer-feature-revert": lambda w: {"layer": "waste_points", "pk": _waste_point(w)},
    "layer-feature-restore": lambda w: {"layer": "waste_points", "pk": _waste_point(w)},
    "layer-import": lambda w: {"layer": "waste_points"},
    "layer-import-detail": lambda w: {"layer": "waste_points", "pk": _import_job(w)},
    "layer-import-commit": lambda w: {"layer": "waste_points", "pk": _import_job(w)},
    "layer-export": lambda w: {"layer": "businesses", "fmt": "csv"},
    "forest-plot-surveys": lambda w: {"pk": _forest(w).plot_id},
    "forest-survey": lambda w: {"pk": _forest(w).pk},
    "my-token": lambda w: {"pk": 1},
    "theme-detail": lambda w: {"slug": _theme(w)},
    "theme-stats": lambda w: {"slug": _theme(w)},
    "theme-photo-upload": lambda w: {"slug": _theme(w)},
    "theme-photo": lambda w: {"slug": _theme(w), "token": "0" * 24},
    "report-detail": lambda w: {"code": _report(w)},
    "report-follow": lambda w: {"code": _report(w)},
    "report-step": lambda w: {"code": _report(w)},
    "report-history": lambda w: {"code": _report(w)},
    "report-page": lambda w: {"code": _report(w)},
    "report-print": lambda w: {"code": _report(w)},
    "report-qr": lambda w: {"code": _report(w)},
    "report-photo": lambda w: {"code": _report(w), "position": 1},
    "open311-service": lambda w: {"service_code": "flooding", "fmt": "json"},
    "open311-services": lambda w: {"fmt": "json"},
    "open311-requests": lambda w: {"fmt": "json"},
    "open311-request": lambda w: {"request_id": _report(w), "fmt": "xml"},
}


def _report(world) -> str:
    """A citizen's report in khu phố A1 whose reporter left a contact (private), filed once per world."""
    from tests.layers.reports.samples import report_with_contact

    return report_with_contact(world)


def _detection(world) -> dict:
    from tests.imagery.detection.samples import detection

    return detection(world)


def _import_job(world) -> int:
    """A previewed import of ward A's officer."""
    from layers.models import ImportJob

    job = ImportJob.objects.filter(file_name="mau.geojson").first()
    return (
        job
        or ImportJob.objects.create(
            layer="waste_points", user=world.users["ward_officer"], file_name="mau.geojson", format="geojson"
        )
    ).pk


def _forest(world):
    """A forest plot in ward A with one survey."""
    import datetime as dt

    from layers.models import ForestSurvey
    from tests.layers.world import forest_plot, survey

    found = ForestSurvey.objects.filter(plot__code="MAU-1").first()
    return found or survey(forest_plot(world.ward_a, "MAU-1"), dt.date(2024, 6, 1))


def _theme(world) -> str:
    """A layer ward A defined itself, with a lamp whose caretaker's phone is private (tests/layers/themes)."""
    from tests.layers.themes.helpers import sample

    return sample(world)


def _waste_point(world) -> int:
    """A waste source owner in khu phố A1 (its contact is private), made once per world."""
    from layers.models import WastePoint
    from tests.layers.world import waste_point

    found = WastePoint.objects.filter(name="Nguồn thải mẫu").first()
    return (found or waste_point(world.ward_a, world.kp_a1, kind="source_owner", name="Nguồn thải mẫu")).pk


def _households(kind: str, world) -> int:
    """A house number, an import or a household in ward A (tests/households/house_world.py)."""
    from tests.households.house_world import sample

    return sample(kind, world)


def _land(world) -> dict:
    """An acquisition (a real COG), a parcel and a permit in ward A (tests/imagery/samples.py)."""
    from tests.imagery.samples import land

    return land(world)


def _level_scheme(world) -> int:
    """A leader's levels on suspended businesses, for the scheme's own URL."""
    from frontend.models import LevelScheme

    levels = [{"key": "green", "label": "Xanh", "colour": "#2ca25f", "min": 0, "max": 5}]
    return LevelScheme.objects.get_or_create(name="Mẫu", indicator="suspended", levels=levels)[0].pk


def _sync_run(world) -> int:
    """A saved sync run whose report names the world's businesses, for the run's own URL."""
    from businesses.models import SyncRun

    regnos = [b.registration_no for b in world.businesses]
    return SyncRun.objects.create(source="api", committed=True, report={"created": regnos}).pk


# url name → query string that makes the endpoint return real data, not a 400.
SAMPLE_QUERY: dict[str, str] = {
    "events": "?max_seconds=1",
    "leader-dashboard-history": "?figure=active",
    "business-radius": "?lat=10.78&lon=106.70&radius_m=5000&page_size=200",
    "business-name-check": "?name=Phở Hòa&area=city",
    "business-stats": "?group_by=khu_pho&group_by2=status",
    "imagery-point": "?lon=106.7001&lat=10.7799",
    "imagery-crop": "?bbox=106.7,10.7795,106.7005,10.78",
    "imagery-strip": "?lon=106.7001&lat=10.7799",
    "geocode": "?q=1 Nguyễn Đình Chiểu, Phường An Nhơn",
    "geocode-reverse": "?lat=10.78&lon=106.70&radius_m=1000",
    "geocode-suggest": "?q=1 nguyen dinh",
    "theme-stats": "?by=power",
}


def iter_named_patterns(patterns=None, namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    """(qualified name, pattern) for every leaf pattern outside SKIP_NAMESPACES."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            full = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from iter_named_patterns(p.url_patterns, full)
        else:
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, p


def endpoint_urls(world) -> list[tuple[str, str]]:
    """(name, URL) of every endpoint, with sample kwargs filled in."""
    urls = []
    for name, pattern in iter_named_patterns():
        assert name, f"URL pattern {pattern.pattern} has no name: name it so tests can reach it"
        params = pattern.pattern.regex.groupindex
        if params:
            assert name in SAMPLE_KWARGS, f"endpoint {name!r} takes {list(params)}: add samples to tests/endpoints.py"
            kwargs = SAMPLE_KWARGS[name](world)
        else:
            kwargs = {}
        urls.append((name, reverse(name, kwargs=kwargs) + SAMPLE_QUERY.get(name, "")))
    return urls
