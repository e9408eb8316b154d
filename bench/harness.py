"""What every benchmark here shares: Django set up on the bench database, the seeded businesses,
a real gunicorn server over loopback, and median/p95 timing with warm caches.

A benchmark prints numbers beside their anchor measured in the same run; it asserts nothing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")

import django  # noqa: E402

django.setup()


def pct(values: list[float], q: float) -> float:
    """The q-quantile of the values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of `runs` calls of fn, after three warm-up calls (caches, connection)."""
    for _ in range(3):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def ensure_businesses(scale: float) -> int:
    """Seed the demo at this scale (≈5,200 businesses a ward) unless the database already holds it."""
    from businesses.models import Business
    from gisportal.demo import DemoContext, run

    if Business.objects.count() < 5000 * scale * 0.9:
        t = time.perf_counter()
        run(DemoContext(scale=scale, password="bench-only"))
        from django.db import connection

        with connection.cursor() as cur:
            # The demo's steps run in transactions, which can ANALYZE but not VACUUM; the index-only scans
            # of cluster tiles and wide radius counts need the visibility map that only a VACUUM sets.
            for table in ("businesses_business", "businesses_radius_point"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
        print(f"seeded in {time.perf_counter() - t:.0f} s")
    return Business.objects.count()


@contextlib.contextmanager
def server(port: int, ready_path: str) -> Iterator[str]:
    """A one-worker gunicorn serving the portal on loopback, as production would; yields its base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gisportal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-not-secret", "ALLOWED_HOSTS": "127.0.0.1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}{ready_path}", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait()
