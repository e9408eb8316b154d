"""Streets (and, later, house numbers and households)."""

from __future__ import annotations

from django.contrib.gis.db import models
from simple_history.models import HistoricalRecords

from layers.models import AdminUnit
from layers.text import fold


class Street(models.Model):
    """A named street within one ward: 'Đường số 7' exists in many wards, so the ward is part of the key."""

    name = models.CharField(max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="streets")
    geom = models.MultiLineStringField(srid=4326)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ward", "name_folded"], name="street_ward_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None
