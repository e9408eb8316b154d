"""Business households as waste source owners of the demo ward: `layers.waste.demo` asks every app's
`waste_sources` module, so the shared layer machinery never imports businesses."""

from __future__ import annotations

from businesses.models import Business
from layers.models import AdminUnit
from layers.waste.demo import SourceOwner

MONTHLY_FEES = (150_000, 250_000, 400_000)
PER_KHU_PHO = 10


def source_owners(khu_pho: AdminUnit) -> list[SourceOwner]:
    """The khu phố's first active businesses (by id) as fee-paying waste source owners."""
    rows = Business.objects.filter(khu_pho=khu_pho, is_deleted=False, status="active").order_by("id")[:PER_KHU_PHO]
    return [
        SourceOwner(
            source_kind="business",
            name=b.signboard,
            address=b.address_current,
            contact_name=b.owner_name,
            contact_phone=b.owner_phone,
            geom=b.geom,
            monthly_fees=MONTHLY_FEES,
        )
        for b in rows
    ]
