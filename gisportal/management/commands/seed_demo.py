import os
import time

from django.core.management.base import BaseCommand, CommandError

from gisportal.demo import CITY_STEPS, DemoContext, run
from gisportal.errors import InvalidInput


class Command(BaseCommand):
    help = (
        "Load the demo ward (deterministic, idempotent): the city's 2025 units, admin units, streets, POIs, users, "
        "and each layer's demo rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply bulk layers (e.g. 200 → ~1M businesses)")
        parser.add_argument("--password", default="demo", help="Password of the demo accounts")
        parser.add_argument(
            "--units-boundaries",
            default=os.environ.get("PORTAL_UNITS_BOUNDARIES") or None,
            help="2019 ward polygons with GSO codes (Population_Ward_Level.shp) for the neighbours' approximate "
            "boundaries; default $PORTAL_UNITS_BOUNDARIES, else names only",
        )

    def handle(self, *args, seed: int, scale: float, password: str, units_boundaries: str | None, **options):
        if scale <= 0:
            self.stderr.write("--scale must be positive")
            raise SystemExit(2)
        started = time.monotonic()
        self.stdout.write(f"Demo ward (seed {seed}, scale {scale}):")
        ctx = DemoContext(seed=seed, scale=scale, password=password, log=self.stdout.write)
        ctx.data["units_boundaries"] = units_boundaries
        try:
            run(ctx, CITY_STEPS)  # the real city first: the demo ward then is the table's unit
        except InvalidInput as exc:
            for problem in (exc.details or {}).get("problems", [])[:20]:
                self.stderr.write(f"{problem['message']} / {problem['message_en']}")
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        run(ctx)
        # Seconds of rendering, then the detector's first pass queued for the worker: here, not in STEPS that tests
        # run often.
        run(ctx, ["imagery.demo.seed_epochs", "imagery.demo.seed_detection"])
        self.stdout.write(f"  done in {time.monotonic() - started:.1f} s")
