from django.core.management.base import BaseCommand

from gisportal.demo import DemoContext, run


class Command(BaseCommand):
    help = (
        "Load the demo ward (deterministic, idempotent): admin units, streets, POIs, users, and each layer's demo rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply bulk layers (e.g. 200 → ~1M businesses)")
        parser.add_argument("--password", default="demo", help="Password of the demo accounts")

    def handle(self, *args, seed: int, scale: float, password: str, **options):
        if scale <= 0:
            self.stderr.write("--scale must be positive")
            raise SystemExit(2)
        self.stdout.write(f"Demo ward (seed {seed}, scale {scale}):")
        ctx = DemoContext(seed=seed, scale=scale, password=password, log=self.stdout.write)
        run(ctx)
        run(ctx, ["imagery.demo.seed_epochs"])  # seconds of rendering: here, not in STEPS that tests run often
