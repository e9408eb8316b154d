"""Labelled pairs on disk: folders laid out as A/ (before), B/ (after), label/ (255 = change), same names."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}


@dataclass
class LabelledPair:
    name: str  # "<folder>/<file>"
    before: np.ndarray  # (H, W, 3) uint8
    after: np.ndarray
    label: np.ndarray  # (H, W) bool
    files: tuple[Path, Path, Path]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pair_files(folder: Path) -> list[tuple[Path, Path, Path]]:
    """(A, B, label) paths of every image present in all three sub-folders, sorted by name."""
    folder = Path(folder)
    out: list[tuple[Path, Path, Path]] = []
    a_dir = folder / "A"
    if not a_dir.is_dir():
        return out
    for a in sorted(a_dir.iterdir()):
        if a.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        b, lab = folder / "B" / a.name, folder / "label" / a.name
        if b.is_file() and lab.is_file():
            out.append((a, b, lab))
    return out


def load_pair(a: Path, b: Path, lab: Path) -> LabelledPair:
    from imagery.detection.pairs import read_label, read_pair_arrays

    before, after, _valid, _geo = read_pair_arrays(a, b)
    label = read_label(lab, before.shape[:2])
    return LabelledPair(f"{a.parent.parent.name}/{a.name}", before, after, label, (a, b, lab))


def load_folders(folders: list[Path]) -> list[LabelledPair]:
    """Every labelled pair of the folders, in sorted order (folders in the order given)."""
    return [load_pair(*files) for folder in folders for files in pair_files(folder)]
