"""Model fields, and the behaviour that keeps them right, that more than one app declares the same way."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform

from gisportal.text import fold


def projected_copy(field: type[models.GeometryField], srid: int, source: str = "geom") -> models.GeneratedField:
    """A copy of ``source`` reprojected to ``srid``, computed and stored by PostgreSQL.

    The hot paths read these copies instead of reprojecting every row per query: 32648 (UTM 48N, metres) for
    distances and radius counts, 3857 for vector tiles (docs/architecture.md, "Coordinates"). The copy gets no
    index of its own here: each model names its GiST index in ``Meta.indexes``.
    """
    return models.GeneratedField(
        expression=Transform(source, srid),
        output_field=field(srid=srid, spatial_index=False),
        db_persist=True,
    )


class FoldedName:
    """Keeps ``name_folded`` (``name`` without accents, case or Unicode form: the indexed search key) in step.

    A mixin before ``models.Model``, not an abstract model, so each model keeps its own fields in its own order.
    """

    name: str
    name_folded: str

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[misc]
