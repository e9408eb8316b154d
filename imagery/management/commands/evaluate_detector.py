"""`manage.py evaluate_detector --data DIR [DIR ...] [--leave-one-out] --out REPORT_DIR`."""

from __future__ import annotations

import copy
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Score the detector on every pair of folders laid out as A/ B/ label/, beside the change-vector + Otsu "
        "baseline measured in the same run; writes report.md, report.json and pr_curve.png. --leave-one-out "
        "scores each pair with a model trained without it (synthetic pairs and the other pairs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", nargs="+", required=True, help="Folders with A/, B/, label/")
        parser.add_argument("--out", required=True, help="Report folder")
        parser.add_argument("--leave-one-out", action="store_true")
        parser.add_argument("--synthetic", type=int, default=None, help="Synthetic pairs in each fold's training")
        parser.add_argument("--model", help="A model folder or joblib file (default: the committed model)")
        parser.add_argument("--min-area-m2", type=float, default=None, help="Override the model's minimum area")

    def handle(self, *args, data: list[str], out: str, **options):
        from imagery.detection import evaluation, training
        from imagery.detection.detector import load_detector

        folders = [Path(d) for d in data]
        for f in folders:
            if not (f / "A").is_dir():
                raise CommandError(f"{f}: thiếu thư mục A/, B/, label/. / {f}: no A/, B/, label/ folders.")
        cfg = training.TrainConfig()
        if options["synthetic"] is not None:
            cfg.synthetic = options["synthetic"]
        det = None if options["leave_one_out"] else load_detector(Path(options["model"]) if options["model"] else None)
        if options["min_area_m2"] is not None:
            cfg.min_area_m2 = options["min_area_m2"]
            if det is not None:
                det = copy.copy(det)  # the loaded detector is shared by the process: change a copy
                det.min_area_m2 = options["min_area_m2"]
        report = evaluation.evaluate(
            folders, leave_one_out=options["leave_one_out"], detector=det, cfg=cfg, log=self.stdout.write
        )
        evaluation.write_report(report, Path(out))
        for folder, d in report["folders"].items():
            for who in ("model", "baseline"):
                s = d[who]
                self.stdout.write(
                    f"{folder} {who}: pixel P {s['pixel_precision']:.3f} R {s['pixel_recall']:.3f} "
                    f"F1 {s['pixel_f1']:.3f} IoU {s['pixel_iou']:.3f}; object P {s['object_precision']:.3f} "
                    f"R {s['object_recall']:.3f} F1 {s['object_f1']:.3f}"
                )
        self.stdout.write(f"Report → {out}/report.md")
