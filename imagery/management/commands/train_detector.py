"""`manage.py train_detector [--data DIR ...] [--synthetic N] [--out DIR] [--from-reviews]`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Train the change detector on synthetic scene pairs (fixed seeds) plus labelled pairs in folders laid "
        "out as A/ B/ label/ (and, with --from-reviews, the review queue's decisions). Writes detector.joblib "
        "and manifest.json into --out (default: the committed model folder). The same inputs give the same "
        "bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", nargs="*", default=[], help="Folders with A/, B/, label/ (same file names)")
        parser.add_argument("--synthetic", type=int, default=None, help="Synthetic training pairs (default 60)")
        parser.add_argument("--synthetic-size", type=int, default=None, help="Side of a synthetic pair in px")
        parser.add_argument("--out", default=None, help="Output folder (default imagery/detection/model)")
        parser.add_argument("--from-reviews", action="store_true", help="Add the review queue's decided flags")
        parser.add_argument("--held-out", type=int, default=None, help="Held-out synthetic pairs to score")

    def handle(self, *args, data: list[str], out: str | None, **options):
        from imagery.detection import training
        from imagery.detection.detector import MODEL_DIR

        cfg = training.TrainConfig()
        if options["synthetic"] is not None:
            cfg.synthetic = options["synthetic"]
        if options["synthetic_size"] is not None:
            cfg.synthetic_size = options["synthetic_size"]
        if options["held_out"] is not None:
            cfg.held_out = options["held_out"]
        folders = [Path(d) for d in data]
        for f in folders:
            if not (f / "A").is_dir():
                raise CommandError(f"{f}: thiếu thư mục A/, B/, label/. / {f}: no A/, B/, label/ folders.")
        sources = training.synthetic_sources(cfg.synthetic, cfg.synthetic_size) + training.folder_sources(folders)
        if options["from_reviews"]:
            sources += training.review_sources()
        if not sources:
            raise CommandError("Không có dữ liệu huấn luyện. / No training data.")
        self.stdout.write(f"Training on {len(sources)} pairs …")
        bundle, manifest, det = training.train(sources, cfg, log=self.stdout.write)
        if cfg.held_out:
            manifest["metrics"]["held_out_synthetic"] = training.evaluate_synthetic(det, cfg.held_out, 512)
        manifest["inputs"]["folders"] = [f.name for f in folders]
        path = training.save(bundle, manifest, Path(out) if out else MODEL_DIR)
        self.stdout.write(json.dumps(manifest["metrics"]))
        self.stdout.write(f"Model {manifest['version']} → {path} (threshold {manifest['threshold']})")
