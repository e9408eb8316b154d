"""Field crews' GPS files (GPX, KML, KMZ): tracks and waypoints kept as recorded, waypoints linked to their plot.

The file goes through the same checks as any GIS upload (`layers.gisfiles`: size, zip bomb, KML network
links, DOCTYPEs). Lines become tracks, points become waypoints (each linked to the forest plot it falls in);
polygons are not field data and are reported. All or nothing: one bad feature and nothing is kept.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import IO, Any, cast

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, Point
from django.db import transaction
from rest_framework.exceptions import PermissionDenied

from gisportal.errors import InvalidInput, PortalError
from gisportal.permissions import can_edit, edits_domain
from layers import editing, gisfiles
from layers.models import AdminUnit, FieldTrack, FieldWaypoint, ForestPlot

FORMATS = {"gpx", "kml"}


def _geos(geom: shapely.Geometry) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)


def _text(row: dict, *names: str) -> str:
    for name in names:
        value = row.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return ""


def _when(row: dict) -> dt.datetime | None:
    for name in ("time", "timestamp", "begin", "when"):
        value = row.get(name)
        if value is not None and value == value and hasattr(value, "to_pydatetime"):
            return value.to_pydatetime()
    return None


def _ward_of(geom: GEOSGeometry) -> AdminUnit | None:
    return AdminUnit.objects.valid_on().wards().filter(boundary__intersects=geom.point_on_surface).first()


def import_file(user: Any, upload: IO[bytes], name: str) -> dict:
    """Tracks and waypoints of one file; a report of what was kept, or a 400 listing what stands in the way."""
    if not edits_domain(user):
        raise PermissionDenied("Bạn không có quyền nhập dữ liệu thực địa. / You may not import field data.")
    with tempfile.TemporaryDirectory(prefix="fieldwork-") as tmp:
        src = gisfiles.save_upload(upload, name, Path(tmp))
        if src.format not in FORMATS:
            raise InvalidInput(
                "Dữ liệu thực địa nhận GPX, KML hoặc KMZ.",
                "Field data is accepted as GPX, KML or KMZ.",
                {"format": src.format},
                code="unsupported_format",
            )
        frame = gisfiles.read(src)
    problems, tracks, waypoints = [], [], []
    with transaction.atomic():
        for i, (row, geom) in enumerate(zip(frame.to_dict("records"), frame.geometry, strict=True), start=1):
            try:
                if geom is None or geom.is_empty:
                    continue
                editing.check_extent(geom)
                kind = geom.geom_type
                g = _geos(geom)
                ward = _ward_of(g)
                if ward is None or not can_edit(user, ward.pk):
                    raise PermissionDenied("Ngoài phường bạn phụ trách. / Outside the wards you serve.")
                if kind in ("LineString", "MultiLineString"):
                    lines = g if kind == "MultiLineString" else GEOSGeometry(f"MULTILINESTRING(({_wkt(geom)}))", 4326)
                    when = _when(row)
                    track = FieldTrack.objects.create(
                        name=_text(row, "name", "Name"),
                        recorded_on=when.date() if when else None,
                        source_file=name[:255],
                        geom=cast(MultiLineString, lines),
                        length_m=round(lines.transform(32648, clone=True).length, 1),
                        imported_by=user,
                        ward=ward,
                    )
                    tracks.append(track.pk)
                elif kind == "Point":
                    plot = ForestPlot.objects.filter(is_deleted=False, geom__intersects=g).first()
                    point = FieldWaypoint.objects.create(
                        name=_text(row, "name", "Name"),
                        description=_text(row, "desc", "description", "cmt", "Description"),
                        recorded_at=_when(row),
                        elevation_m=_elevation(row),
                        source_file=name[:255],
                        plot=plot,
                        geom=cast(Point, g),
                        imported_by=user,
                        ward=ward,
                    )
                    waypoints.append({"id": point.pk, "name": point.name, "plot": plot.code if plot else None})
                else:
                    raise InvalidInput(
                        f"{kind} không phải dữ liệu thực địa (chỉ điểm và đường).",
                        f"A {kind} is not field data (points and lines only).",
                        code="not_field_data",
                    )
            except (PortalError, PermissionDenied) as exc:
                problems.append({"feature": i, "layer": row.get("_layer"), "message": str(getattr(exc, "detail", exc))})
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise InvalidInput(
            f"Không nhập gì cả: {len(problems)} đối tượng có lỗi.",
            f"Nothing was imported: {len(problems)} features have problems.",
            {"problems": problems[:100]},
            code="import_refused",
        )
    return {"file": name, "tracks": tracks, "waypoints": waypoints, "notes": src.notes}


def _wkt(line: shapely.LineString) -> str:
    return ", ".join(f"{x} {y}" for x, y in line.coords)


def _elevation(row: dict) -> float | None:
    value = row.get("ele")
    return float(value) if isinstance(value, int | float) and value == value else None
