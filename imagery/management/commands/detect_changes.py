"""`manage.py detect_changes BEFORE AFTER --out DIR [--labels MASK]`: new structures between two rasters."""

from __future__ import annotations

import copy
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gisportal.errors import PortalError


class Command(BaseCommand):
    help = (
        "Flag new structures between two co-registered rasters (GeoTIFFs, or PNG/JPEG images of the same size "
        "treated as un-georeferenced). Writes DIR/mask.png (255 = new structure), DIR/scores.png (probability "
        "0-255) and DIR/candidates.geojson (polygons with a score; WGS 84 when georeferenced, else pixels). "
        "With --labels, prints pixel and object precision/recall/F1 (and pixel IoU) as its last lines."
    )

    def add_arguments(self, parser):
        parser.add_argument("before", help="The earlier image")
        parser.add_argument("after", help="The later image (reprojected onto the earlier's grid if needed)")
        parser.add_argument("--out", required=True, help="Output folder (created; files replaced atomically)")
        parser.add_argument("--labels", help="A mask of changed pixels (255 or 1 = change) to score against")
        parser.add_argument("--model", help="A model folder or joblib file (default: the committed model)")
        parser.add_argument(
            "--min-area-m2", type=float, default=None, help="Smallest candidate in m² (default: the model's, 20)"
        )
        parser.add_argument("--tile", type=int, default=1024, help="Window size in pixels (memory ∝ tile²)")

    def handle(self, *args, before: str, after: str, out: str, labels: str | None, **options):
        from imagery.detection.detect import detect_pair
        from imagery.detection.detector import load_detector

        if labels and not Path(labels).is_file():
            raise CommandError(f"Không thấy tệp nhãn {labels}. / No label file {labels}.")
        det = load_detector(Path(options["model"]) if options.get("model") else None)
        if options.get("min_area_m2") is not None:
            det = copy.copy(det)  # the loaded detector is shared by the process: change a copy
            det.min_area_m2 = options["min_area_m2"]
        try:
            result = detect_pair(
                Path(before),
                Path(after),
                Path(out),
                labels=Path(labels) if labels else None,
                detector=det,
                tile=options["tile"],
            )
        except PortalError as exc:
            raise CommandError(f"{exc.message}\n{exc.message_en}") from exc
        self.stdout.write(
            f"{result.width}×{result.height} px, model {result.model_version}: {len(result.candidates)} candidate(s) "
            f"→ {out}/mask.png, scores.png, candidates.geojson"
            + ("" if result.georeferenced else " (pixel coordinates: not georeferenced)")
        )
        for line in result.lines:
            self.stdout.write(line)
