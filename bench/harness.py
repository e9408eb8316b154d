"""What every benchmark here shares: Django set up on the bench database, the seeded businesses,
a real server over loopback as production runs it (gunicorn with one uvicorn worker, gisportal.asgi),
a keep-alive HTTP client as a browser's, and median/p95 timing with warm caches.

A benchmark prints numbers beside their anchor measured in the same run; it asserts nothing.
"""

from __future__ import annotations

import contextlib
import os
import socket
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
            # of cluster tiles and wide radius counts need the visibility map that only a VACUUM sets. The name
            # keys too: a bench run straight after seeding, before autovacuum reached them, timed the city-wide
            # name check at 43 ms against 5.5 a minute later.
            for table in (
                "businesses_business",
                "businesses_namekey_city",
                "businesses_namekey_ward",
                "businesses_radius_point",
                "businesses_radius_cell",
                "businesses_tile_cell",
            ):
                cur.execute(f"VACUUM (ANALYZE) {table}")
        print(f"seeded in {time.perf_counter() - t:.0f} s")
    return Business.objects.count()


def load() -> str:
    """The machine's load and speed, to print beside every figure: the machine is shared, and its cores run a bare
    Python loop in anything from 1× to 2.5× the time of its fastest moments (docs/speed.md), idle or not."""
    one, five, _ = os.getloadavg()
    t = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    loop = time.perf_counter() - t
    return f"load {one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} cores; 2M Python adds in {loop * 1000:.0f} ms"


class Client:
    """GETs over one keep-alive connection, as a browser's map makes them; reconnects if the server closes.

    A bare socket that reads the status line, Content-Length (or chunks) and the body, because the figures are
    the server's: `http.client` parses every response's headers with the email package and cost the client
    0.27 ms of CPU a request (0.09 ms here), a fifth of the empty answer it timed (docs/speed.md, sixth pass).
    """

    def __init__(self, base: str):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.sock: socket.socket | None = None
        self.buf = b""

    def get(self, path: str) -> bytes:
        for attempt in (0, 1):
            if self.sock is None:
                self.sock = socket.create_connection((self.host, self.port), timeout=30)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buf = b""
            try:
                self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
                status, headers = self._head()
                body = (
                    self._chunked()
                    if headers.get(b"transfer-encoding") == b"chunked"
                    else self._read(int(headers.get(b"content-length", 0)))
                )
                if headers.get(b"connection") == b"close":
                    self._close()
                if status >= 400:
                    raise RuntimeError(f"{path}: HTTP {status} {body[:200]!r}")
                return body
            except (ConnectionError, EOFError):
                self._close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _fill(self) -> None:
        assert self.sock is not None
        data = self.sock.recv(262144)
        if not data:
            raise EOFError("the server closed the connection")
        self.buf += data

    def _head(self) -> tuple[int, dict[bytes, bytes]]:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        lines = self.buf[:end].split(b"\r\n")
        self.buf = self.buf[end + 4 :]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        return int(lines[0].split()[1]), headers

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._fill()
        out, self.buf = self.buf[:end], self.buf[end + 2 :]
        return out

    def _chunked(self) -> bytes:
        parts = []
        while size := int(self._line().split(b";")[0], 16):
            parts.append(self._read(size))
            self._line()
        self._line()  # the empty trailer
        return b"".join(parts)

    def _close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


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
