"""Labels in the reader's language only.

The models' choice labels are written "Tiếng Việt / English" so that the admin, exports and error messages carry
both; a page shows one language at a time, so what the pages and their APIs serve goes through `pick`. The titles of
edit fields that the layer registry does not name (Django's default verbose names are English) are here, translated
through the catalogue (locale/vi/LC_MESSAGES/django.po).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

FIELD_TITLES = {
    "kind": _("Kind"),
    "name": _("Name"),
    "address": _("Address"),
    "capacity": _("Capacity"),
    "operator": _("Operator"),
    "collection_schedule": _("Collection schedule"),
    "condition": _("Condition"),
    "last_inspected": _("Last inspected"),
    "source_kind": _("Source kind"),
    "fee_status": _("Fee status"),
    "monthly_fee": _("Monthly fee (VND)"),
    "contact_name": _("Contact name"),
    "contact_phone": _("Contact phone"),
    "notes": _("Notes"),
    "code": _("Plot code"),
    "sub_zone": _("Sub-zone"),
    "species": _("Species"),
    "planting_year": _("Planting year"),
}


def english() -> bool:
    return (translation.get_language() or "vi").startswith("en")


def pick(label: Any) -> str:
    """One half of a "vi / en" label, in the active language; any other label as it is."""
    text = str(label)
    if " / " not in text:
        return text
    vi, en = text.split(" / ", 1)
    return en if english() else vi


def choice_labels(field: models.Field) -> dict[str, str]:
    """A field's choices as value → label in the active language."""
    return {value: pick(label) for value, label in field.choices or []}


def field_title(field: models.Field) -> str:
    """An edit field's title in the active language."""
    if field.name in FIELD_TITLES:
        return str(FIELD_TITLES[field.name])
    return pick(field.verbose_name)


def edit_field_titles(layer: Any, name: str) -> tuple[str, str]:
    """An edit field's title in Vietnamese and in English, as the editor's form shows it (the registry's public
    field titles first, as the OGC schema does): what a refusal names the field by."""
    for f in layer.public_fields:
        if f.source == name and not f.via:
            return f.title, f.title_en
    field = layer.model._meta.get_field(name)
    with translation.override("vi"):
        vi = field_title(field)
    with translation.override("en"):
        en = field_title(field)
    return vi, en
