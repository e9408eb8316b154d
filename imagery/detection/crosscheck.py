"""The cross-check of a candidate: a valid permit covers it, a known structure or an earlier flag is there, or neither.

Order matters: a permit in force on the later photograph's date explains a new building outright; a
building of the basemap that already stood on the earlier date, or a flag raised by an earlier pair,
means the candidate is not new; only what is left goes to the land officers' queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Q

from imagery.detection.models import ChangeFlag
from imagery.models import Acquisition, BuildingPermit
from layers.models import BasemapFeature

# Share of the candidate that must lie in a permit's footprint to count as "inside" it.
PERMIT_COVER = 0.5
# Share of the candidate that must overlap a known building or an earlier flag to be linked to it.
LINK_COVER = 0.3


@dataclass
class Verdict:
    status: str
    permit: BuildingPermit | None = None
    structure: BasemapFeature | None = None
    earlier_flag: ChangeFlag | None = None


def _cover(candidate: GEOSGeometry, other: GEOSGeometry) -> float:
    """Share of the candidate inside `other` (a ratio, so degrees² are fine at ward scale)."""
    if candidate.area <= 0:
        return 0.0
    return candidate.intersection(other).area / candidate.area


def _best(candidate: GEOSGeometry, rows, attr: str, at_least: float):
    scored = [(_cover(candidate, getattr(row, attr)), row) for row in rows]
    scored = [(c, row) for c, row in scored if c >= at_least]
    return max(scored, key=lambda s: (s[0], -s[1].pk))[1] if scored else None


def crosscheck(candidate: GEOSGeometry, before: Acquisition, after: Acquisition) -> Verdict:
    """What is already known about this candidate polygon (WGS 84) of the pair (before, after)."""
    permits = BuildingPermit.objects.filter(is_deleted=False).valid_on(after.acquired_on).overlapping(candidate)
    permit = _best(candidate, permits[:50], "footprint", PERMIT_COVER)
    if permit is not None:
        return Verdict(ChangeFlag.Status.PERMITTED, permit=permit)
    year = before.acquired_on.year
    standing = (
        BasemapFeature.objects.filter(kind=BasemapFeature.Kind.BUILDING, geom__intersects=candidate)
        .filter(Q(first_year__isnull=True) | Q(first_year__lte=year))
        .filter(Q(last_year__isnull=True) | Q(last_year__gte=year))
    )
    structure = _best(candidate, standing[:50], "geom", LINK_COVER)
    if structure is not None:
        return Verdict(ChangeFlag.Status.LINKED, structure=structure)
    # A flag of another pair whose later photograph is not newer than this one: raised before.
    earlier = (
        ChangeFlag.objects.filter(geom__intersects=candidate, after__acquired_on__lte=after.acquired_on)
        .exclude(before=before, after=after)
        .order_by("after__acquired_on", "id")
    )
    flag = _best(candidate, earlier[:50], "geom", LINK_COVER)
    if flag is not None:
        return Verdict(ChangeFlag.Status.LINKED, earlier_flag=flag)
    return Verdict(ChangeFlag.Status.TO_REVIEW)
