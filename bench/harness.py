"""What every benchmark here shares: Django set up on the bench database, the seeded businesses,
a real server over loopback as production runs it (gunicorn with one uvicorn worker, gisportal.asgi),
a keep-alive HTTP client as a browser's, and median/p95 timing with warm caches.

A benchmark prints numbers beside their anchor measured in the same run; it asserts nothing.
"""

from __future__ import annotations

import contextlib
import http.client
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


def paired(http: Callable, direct: Callable, picked: list, runs: int) -> tuple[list[float], list[float]]:
    """Times HTTP and the raw query on the same item (tile, circle) in turn, each warmed first on both, so that
    neither pays the other's cold pages and the machine's load weighs on both alike."""
    for t in picked:
        http(t), direct(t)  # warm the caches and both connections on every item
    h: list[float] = []
    s: list[float] = []
    for i in range(runs):
        t = picked[i % len(picked)]
        for fn, out in ((http, h), (direct, s)):
            start = time.perf_counter()
            fn(t)
            out.append((time.perf_counter() - start) * 1000)
    return h, s


# What the business benchmarks read, for --lean: the wards, their streets and POIs, and the businesses; not
# the house numbers, households and themed layers, which multiply a 5M seed's time and size by three.
LEAN_STEPS = [
    "layers.demo.seed_admin_units",
    "layers.demo.seed_bench_wards",
    "households.demo.seed_streets",
    "layers.demo.seed_pois",
    "businesses.demo.seed_businesses",
]


def ensure_businesses(scale: float, lean: bool = False) -> int:
    """Seed the demo at this scale (≈5,200 businesses a ward) unless the database already holds it."""
    from businesses.models import Business
    from gisportal.demo import STEPS, DemoContext, run

    if Business.objects.count() < 5000 * scale * 0.9:
        t = time.perf_counter()
        run(DemoContext(scale=scale, password="bench-only"), LEAN_STEPS if lean else STEPS)
        from django.db import connection

        with connection.cursor() as cur:
            # The demo's steps run in transactions, which can ANALYZE but not VACUUM; the index-only scans
            # of cluster tiles and wide radius counts need the visibility map that only a VACUUM sets.
            for table in ("businesses_business", "businesses_radius_point", "businesses_radius_cell"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
        print(f"seeded in {time.perf_counter() - t:.0f} s")
    return Business.objects.count()


def load() -> str:
    """The machine's load, to print beside every figure (the machine is shared; the figures move with it)."""
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} cores"


class Client:
    """GETs over one keep-alive connection, as a browser's map makes them; reconnects if the server closes."""

    def __init__(self, base: str):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> bytes:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                body = response.read()
                if response.status >= 400:
                    raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
                return body
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


@contextlib.contextmanager
def server(port: int, ready_path: str) -> Iterator[str]:
    """A one-worker gunicorn with a uvicorn worker serving gisportal.asgi on loopback, as production
    (scripts/run.sh, docker/) does; yields its base URL. Throttles off: a benchmark is one busy client."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gisportal.asgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "THROTTLE_ANON": os.environ.get("THROTTLE_ANON", "1000000/min"),
        },
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
