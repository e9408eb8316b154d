"""The demo ward generator: one fixed seed, one step per layer, each step idempotent.

Each app contributes a step (`<app>/demo.py: seed(ctx)`); later layers append theirs to
STEPS. A step skips itself when its layer already holds demo rows, so re-running the
generator after an upgrade adds the new layers and leaves the old ones alone.
Bulk rows go through COPY: the scale factor fills a benchmark database in minutes.
"""

from __future__ import annotations

import importlib
import io
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

# The committed table of HCMC's 2025 units (seed_demo runs it before STEPS; ~3 s on an empty database, so not
# in STEPS that tests run often). The demo steps work with or without it, before or after it.
CITY_STEPS = ["layers.demo.seed_city_units"]

STEPS = [
    "layers.demo.seed_admin_units",
    "layers.demo.seed_bench_wards",
    "households.demo.seed_streets",
    "households.demo.seed_house_numbers",
    "households.demo.seed_households",
    "layers.demo.seed_pois",
    "households.demo_world.seed_world",
    "businesses.demo.seed_businesses",
    "layers.waste.demo.seed_waste_points",
    "layers.forest.demo.seed_forest_plots",
    "layers.demo_users.seed_users",
    "layers.themes.demo.seed_theme_layers",
    "layers.reports.demo.seed_reports",
]


@dataclass
class DemoContext:
    seed: int = 2025
    scale: float = 1.0
    password: str = "demo"
    log: Callable[[str], None] = print
    data: dict[str, Any] = field(default_factory=dict)

    def rng(self, step: str) -> random.Random:
        """A generator per step, so adding a step never changes what the others produce."""
        return random.Random(f"{self.seed}:{step}")

    def wards_to_fill(self, model: type[models.Model], what: str) -> list:
        """The demo ward and the bench wards that hold no ``model`` row yet: a step fills only those, so
        re-running it (or raising the scale) adds what is missing and leaves the rest."""
        wards = [self.data["ward"], *self.data.get("bench_wards", [])]
        done = set(model._default_manager.filter(ward__in=wards).values_list("ward_id", flat=True).distinct())
        todo = [w for w in wards if w.id not in done]
        if not todo:
            self.log(f"  {what}: already loaded")
        return todo


def run(ctx: DemoContext, steps: Sequence[str] = STEPS) -> None:
    for dotted in steps:
        module, name = dotted.rsplit(".", 1)
        fn = getattr(importlib.import_module(module), name)
        with transaction.atomic():
            fn(ctx)


def _copy_value(value: Any) -> str:
    if value is None:
        return r"\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into `table`; geometries as EWKT strings. Returns the row count."""
    count = 0
    buf = io.StringIO()
    with connection.cursor() as cur:
        raw = cur.cursor  # the psycopg cursor underneath Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                buf.write("\t".join(_copy_value(v) for v in row))
                buf.write("\n")
                count += 1
                if buf.tell() > 1 << 20:
                    copy.write(buf.getvalue())
                    buf.seek(0)
                    buf.truncate()
            if buf.tell():
                copy.write(buf.getvalue())
    return count
