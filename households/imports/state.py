"""What one import run knows, stage by stage: the arrays over the file's rows that RowChecks, Placement, Report and
Writer (the run's mixins, composed in run.py) fill and read. Declared once here so each mixin says what it uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from households.addresses import HouseNumber as Number
from households.house_files import Table
from households.imports.issues import Issues
from households.models import HouseImport, Street


class ImportState:
    # The job and the file (run.py).
    job: HouseImport
    path: Path
    allowed: set[int] | None
    step: Callable[..., Any]
    issues: Issues
    timings: dict[str, float]
    table: Table
    n: int
    row_no: list[int]
    # Rows read (rows.py): address parts, then coordinates in WGS 84 and UTM 48N.
    numbers: list[Number | None]
    street_keys: list[str | None]
    street_text: list[str]
    ward_hint: list[tuple[str | None, str | None, str]]
    epsg: np.ndarray
    crs_counts: dict[str, int]
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    placed: np.ndarray
    # Places (places.py): ward, khu phố and street of each row; the numbers kept and those already stored.
    ward: np.ndarray
    khu_pho: np.ndarray
    ward_names: dict[int, str]
    streets: dict[int, Street]
    street: np.ndarray
    keep: dict[tuple[int, str], int]
    existing: dict[tuple[int, str], tuple]
    # Writing (writer.py).
    kp_names: dict[int, str]

    def number(self, i: int) -> Number:
        """Row i's house number: asked only of rows that parsed (the others carry an issue and are skipped)."""
        found = self.numbers[i]
        if found is None:
            raise ValueError(f"row {i} has no parsed house number")
        return found
