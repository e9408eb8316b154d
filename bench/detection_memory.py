"""Peak memory of `manage.py detect_changes` on a 20,000 × 20,000 GeoTIFF pair, beside a 6,000² anchor.

usage: .venv/bin/python bench/detection_memory.py DIR [--side 20000] [--anchor 6000] [--block 2000]
       [--scenes 4] [--pixel 0.3] [--threads 2] [--keep]

The issue's goal: a run over a 20,000² pair never holds more than a tile window of it (peak RSS < 2 GB).
The pairs are written under DIR as tiled, deflate-compressed GeoTIFFs (UTM 48N), block by block: a few
--block² scene pairs from the project's generator (scenes.synthetic_pair) are rendered once, and each block
of the large raster is one of them, turned by a multiple of 90° (before and after alike, so every block
is a valid pair with its new houses), chosen by the block's position. The bench holds those few scenes,
never the whole image. Each pair is then run through `manage.py detect_changes` as a child process under
`/usr/bin/time -v`; its "Maximum resident set size" is the figure, and the child's RSS read from /proc
every second shows whether it stays flat (one window) or grows with the pair (something accumulates).
Prints numbers; asserts nothing. Uses no database.
"""

from __future__ import annotations

from harness import ROOT

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.windows import Window

from imagery.detection.scenes import synthetic_pair

GOAL_MB = 2048


def write_pair(dir_: Path, side: int, scenes: list, block: int, pixel_m: float) -> tuple[Path, Path]:
    """A side² before/after GeoTIFF pair built block by block from the rendered scenes (little memory)."""
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:32648",
        "transform": Affine(pixel_m, 0, 680_000, 0, -pixel_m, 1_190_000),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    paths = dir_ / f"before_{side}.tif", dir_ / f"after_{side}.tif"
    n = -(-side // block)
    with rasterio.open(paths[0], "w", **profile) as bds, rasterio.open(paths[1], "w", **profile) as ads:
        for r in range(n):
            for c in range(n):
                pair = scenes[(r * 7 + c * 3) % len(scenes)]
                turns = (r + 2 * c) % 4
                h, w = min(block, side - r * block), min(block, side - c * block)
                win = Window(c * block, r * block, w, h)
                for ds, img in ((bds, pair.before), (ads, pair.after)):
                    part = np.rot90(img, turns)[:h, :w]
                    ds.write(np.ascontiguousarray(part.transpose(2, 0, 1)), window=win)
    return paths


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_detect(before: Path, after: Path, out: Path, threads: int) -> dict:
    """detect_changes under /usr/bin/time -v; its peak RSS, wall time and an RSS sample every second."""
    env = dict(os.environ, DETECTION_THREADS=str(threads))
    # --skip-checks: the figure is the command's, not the whole project's URL and model checks.
    cmd = ["/usr/bin/time", "-v", sys.executable, str(ROOT / "manage.py"), "detect_changes", "--skip-checks"]
    cmd += [str(before), str(after), "--out", str(out)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []

    def sample() -> None:
        while proc.poll() is None:
            rss = max((_rss_mb(k) for k in _children(proc.pid)), default=0.0)
            samples.append((time.perf_counter() - t, rss))
            time.sleep(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"detect_changes failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-4000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1))
    return {"wall_s": wall, "peak_mb": peak_kb / 1024, "samples": samples}


def report(side: int, res: dict, load: str) -> None:
    px = side * side
    rate = px / res["wall_s"] * 60 / 1e6
    print(
        f"{side:,}² ({px / 1e6:.0f} M px): {res['wall_s']:.0f} s ({rate:.1f} M pixel pairs/min), "
        f"peak RSS {res['peak_mb']:.0f} MB (goal < {GOAL_MB:,} MB), load average at the end {load}"
    )
    s = res["samples"]
    if s:
        marks = [s[min(len(s) - 1, int(q * len(s)))] for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
        print("   RSS at 10/25/50/75/90 % of the run: " + ", ".join(f"{mb:.0f} MB" for _, mb in marks))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path, help="where the pairs and outputs are written (GBs at 20,000²)")
    ap.add_argument("--side", type=int, default=20_000)
    ap.add_argument("--anchor", type=int, default=6_000, help="the anchor pair's side (0: skip)")
    ap.add_argument("--block", type=int, default=2_000, help="side of each rendered scene")
    ap.add_argument("--scenes", type=int, default=4, help="distinct rendered scenes the blocks repeat")
    ap.add_argument("--pixel", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=2, help="DETECTION_THREADS of the child")
    ap.add_argument("--keep", action="store_true", help="keep the pairs and outputs")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)

    def load() -> str:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())

    print(f"{os.cpu_count()} cores, load average {load()}, threads {args.threads}")
    t = time.perf_counter()
    scenes = [synthetic_pair(500 + i, size=args.block, pixel_m=args.pixel) for i in range(args.scenes)]
    print(f"{args.scenes} scenes of {args.block:,}² at {args.pixel} m rendered in {time.perf_counter() - t:.0f} s")

    for side in [s for s in (args.anchor, args.side) if s]:
        t = time.perf_counter()
        before, after = write_pair(args.dir, side, scenes, args.block, args.pixel)
        size_mb = (before.stat().st_size + after.stat().st_size) / 2**20
        print(f"\n{side:,}² pair written in {time.perf_counter() - t:.0f} s ({size_mb:.0f} MB on disk)")
        out = args.dir / f"out_{side}"
        shutil.rmtree(out, ignore_errors=True)
        res = run_detect(before, after, out, args.threads)
        report(side, res, load())
        n_cands = len(json.loads((out / "candidates.geojson").read_text())["features"])
        print(f"   {n_cands:,} candidates")
        if not args.keep:
            for p in (before, after):
                p.unlink()
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
