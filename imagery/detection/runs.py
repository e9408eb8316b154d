"""Detection runs: start (area → tiles → one Celery task each), a tile's work, the merge at the end, cancel.

`start_run` runs in the request (or the CLI): it checks the pair and the area, plans the tiles on the
earlier photograph's grid and queues them. Each tile task reads one window (with a margin) of both
photographs, keeps the candidates cut to its core, and counts itself done on the run row; the task that
completes the count merges the pieces and writes the flags. A cancelled run's remaining tasks see the
status and stop; nothing is merged and no flag is written.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import cast

import shapely
from celery import current_app
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gisportal.errors import InvalidInput, PortalError
from imagery.detection import windows
from imagery.detection.detector import load_detector
from imagery.detection.merge import WEB_MERCATOR, WGS84, merge_pieces, upsert_flags
from imagery.detection.models import DetectionRun, DetectionTile
from imagery.models import Acquisition
from layers.crs import reproject
from layers.models import AdminUnit

log = logging.getLogger(__name__)

TILE_SHARE = 95  # of the bar: the merge and the flags take the rest
MAX_TILES = 4000  # a 20,000 × 20,000 px pair is 1,600 tiles of 512 px
TILE_TASK = "detection.tile"  # tasks.detect_tile's name: queued by name, never by importing tasks.py


def _multi(geom: GEOSGeometry) -> MultiPolygon:
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=geom.srid)
    if geom.geom_type == "MultiPolygon":
        return cast(MultiPolygon, geom)
    polys = [g for g in geom if g.geom_type == "Polygon"] if hasattr(geom, "__iter__") else []
    return MultiPolygon(*polys, srid=geom.srid)


def search_area(before: Acquisition, after: Acquisition, area: GEOSGeometry) -> MultiPolygon:
    """The chosen area cut to both photographs' footprints; refused when nothing is left."""
    cut = area.intersection(before.footprint).intersection(after.footprint)
    if cut.empty or cut.area <= 0:
        raise InvalidInput(
            "Hai ảnh không cùng phủ vùng đã chọn: không có gì để so sánh.",
            "The two photographs do not both cover the chosen area: nothing to compare.",
            {"before": before.pk, "after": after.pk},
            code="no_overlap",
        )
    return _multi(cut)


def start_run(
    *,
    before: Acquisition,
    after: Acquisition,
    ward: AdminUnit,
    area: GEOSGeometry,
    area_kind: str = DetectionRun.AreaKind.WARD,
    khu_pho: AdminUnit | None = None,
    user=None,
    queue: bool = True,
) -> DetectionRun:
    """Check the pair, plan the tiles, record the run and (after the commit) queue one task per tile."""
    if before.pk == after.pk or before.acquired_on >= after.acquired_on:
        raise InvalidInput(
            "Ảnh 'trước' phải được chụp trước ảnh 'sau'.",
            "The 'before' photograph must be older than the 'after' one.",
            {"before": str(before.acquired_on), "after": str(after.acquired_on)},
            code="bad_pair",
        )
    searched = search_area(before, after, area)
    transform, width, height = windows.grid_of(before)
    area_3857 = reproject(shapely.from_wkt(searched.wkt), WGS84, WEB_MERCATOR)
    cores = windows.plan(transform, width, height, area_3857, getattr(settings, "DETECTION_TILE_PX", windows.TILE_PX))
    if not cores:
        raise InvalidInput("Vùng đã chọn quá nhỏ.", "The chosen area is too small.", code="no_overlap")
    if len(cores) > MAX_TILES:
        raise InvalidInput(
            f"Vùng quá lớn: {len(cores)} mảnh (tối đa {MAX_TILES}). Hãy chọn khu phố hoặc vẽ vùng nhỏ hơn.",
            f"The area is too large: {len(cores)} tiles (at most {MAX_TILES}). Choose a khu phố or a smaller area.",
            code="area_too_large",
        )
    with transaction.atomic():
        run = DetectionRun.objects.create(
            before=before,
            after=after,
            ward=ward,
            area_kind=area_kind,
            khu_pho=khu_pho,
            area=searched,
            tiles_total=len(cores),
            model_version=load_detector().version,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        DetectionTile.objects.bulk_create(
            DetectionTile(run=run, index=i, col_off=c.col_off, row_off=c.row_off, width=c.width, height=c.height)
            for i, c in enumerate(cores)
        )
        if queue:
            transaction.on_commit(lambda: queue_tiles(run.pk))
    return run


def queue_tiles(run_id: int) -> None:
    """One task per unfinished tile, sent by name: tasks.py imports this module, so this one must not import it."""
    for tile_id in DetectionTile.objects.filter(run_id=run_id, done=False).values_list("pk", flat=True):
        current_app.send_task(TILE_TASK, args=[tile_id])


def cancel_run(run: DetectionRun) -> bool:
    """Stop a run that has not finished: its queued tiles see the status and return; False if it had finished."""
    changed = DetectionRun.objects.filter(
        pk=run.pk, status__in=[DetectionRun.Status.QUEUED, DetectionRun.Status.RUNNING]
    ).update(
        status=DetectionRun.Status.CANCELLED,
        finished_at=timezone.now(),
        message="Đã hủy.",
        message_en="Cancelled.",
    )
    return bool(changed)


def _fail(run_id: int, error: PortalError) -> None:
    DetectionRun.objects.filter(pk=run_id).exclude(status=DetectionRun.Status.CANCELLED).update(
        status=DetectionRun.Status.FAILED,
        message=error.message,
        message_en=error.message_en,
        finished_at=timezone.now(),
    )


def _pieces(run: DetectionRun, tile: DetectionTile) -> list[dict]:
    """The candidates of one window, cut to the tile's core and to the run's area, in EPSG:3857."""
    transform, width, height = windows.grid_of(run.before)
    core = windows.Core(tile.col_off, tile.row_off, tile.width, tile.height)
    area_3857 = reproject(shapely.from_wkt(run.area.wkt), WGS84, WEB_MERCATOR)
    window = windows.padded(core, width, height)
    pair = windows.read_pair(run.before, run.after, window, area_3857)
    if not pair.valid.any():
        return []
    detector = load_detector()
    # The trained detector also takes the valid mask (nodata, outside the area); the contract's two arguments suffice.
    if "valid" in inspect.signature(detector.probability).parameters:
        prob = detector.probability(pair.before, pair.after, valid=pair.valid)
    else:
        prob = detector.probability(pair.before, pair.after)
    lat = run.area.centroid.y
    found = detector.candidates(
        prob, transform=pair.transform, pixel_m=windows.pixel_metres(transform, lat), valid=pair.valid
    )
    keep = windows.core_box(transform, core)
    out = []
    for cand in found:
        piece = cand.geometry.intersection(keep)
        for part in getattr(piece, "geoms", [piece]):
            if part.geom_type == "Polygon" and part.area > 0:
                out.append({"wkt": part.wkt, "score": cand.score})
    return out


def run_tile(tile_id: int) -> str:
    """One tile's work (a Celery task's body); the last tile of a run merges and writes the flags."""
    tile = DetectionTile.objects.select_related("run__before", "run__after").get(pk=tile_id)
    run = tile.run
    if run.finished or tile.done:
        return run.status  # cancelled, failed, or a redelivered task whose work is recorded
    DetectionRun.objects.filter(pk=run.pk, status=DetectionRun.Status.QUEUED).update(
        status=DetectionRun.Status.RUNNING, started_at=timezone.now()
    )
    try:
        pieces = _pieces(run, tile)
    except Exception as exc:
        log.exception("detection tile %s of run %s failed", tile.pk, run.pk)
        _fail(
            run.pk,
            PortalError(
                "Phát hiện thất bại: không đọc được ảnh hoặc lỗi máy chủ.",
                "The detection failed: an image could not be read, or a server error.",
                {"tile": tile.index, "error": str(exc)[:300]},
                code="detection_failed",
            ),
        )
        return DetectionRun.Status.FAILED
    with transaction.atomic():
        run = DetectionRun.objects.select_for_update().get(pk=run.pk)
        if run.finished:
            return run.status  # cancelled while this tile ran: its pieces are not kept
        DetectionTile.objects.filter(pk=tile.pk).update(done=True, pieces=pieces)
        run.tiles_done = F("tiles_done") + 1
        run.save(update_fields=["tiles_done"])
        run.refresh_from_db()
        run.progress = TILE_SHARE * run.tiles_done // max(run.tiles_total, 1)
        run.save(update_fields=["progress"])
        if run.tiles_done >= run.tiles_total:
            finish(run)
    return run.status


def finish(run: DetectionRun) -> None:
    """Merge the pieces of every tile, update the pair's flags, mark the run done (inside the run's lock)."""
    pieces = [p for tile_pieces in run.tiles.values_list("pieces", flat=True) for p in tile_pieces]
    merged = merge_pieces(pieces)
    new, updated = upsert_flags(run, merged)
    run.flags_new, run.flags_updated = new, updated
    run.status = DetectionRun.Status.DONE
    run.progress = 100
    run.finished_at = timezone.now()
    run.message = f"{len(merged)} vùng nghi có công trình mới: {new} cờ mới, {updated} cờ được cập nhật."
    run.message_en = f"{len(merged)} suspected new structures: {new} new flags, {updated} updated."
    run.save()
    DetectionTile.objects.filter(run=run).update(pieces=[])  # merged: the pieces are not needed any more


def run_inline(run: DetectionRun, on_progress: Callable[[int], None] | None = None) -> DetectionRun:
    """Every tile in this process, in order (the CLI's --inline, the tests of the pure parts)."""
    for tile_id in DetectionTile.objects.filter(run=run, done=False).values_list("pk", flat=True):
        run_tile(tile_id)
        run.refresh_from_db()
        if on_progress:
            on_progress(run.progress)
        if run.finished:
            break
    return run
