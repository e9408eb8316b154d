"""Live changes at scale: N leaders' maps open on the event stream, an officer saves edits, ordinary requests meanwhile.

Serves the portal as `make run` does (gunicorn with uvicorn workers, DEBUG off) on loopback, opens N concurrent
event streams (raw asyncio sockets: one cheap reader each, so the client measures the server, not itself), saves
E edits to a business one after another, and times for every viewer the delay from the start of the save to the
arrival of its event. Meanwhile a steady trickle of ordinary requests (an OGC collection page, the signed-in
`me`) gives their p50/p99.

    .venv/bin/python bench/events.py --viewers 1000 --edits 20 [--levels]
`--levels`: with a leader's level schemes active (one on wards, one on khu phố), so that every change event also
re-classifies the areas in each server process (frontend/live_levels.py), as on a portal whose leaders use them.
Goal (issue 12): 1,000 viewers on one 2-core machine, edit-to-screen p99 < 1 s, ordinary p99 < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")
if not os.environ.get("SECRET_KEY_FILE"):
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)  # DEBUG off, as `make run`

import django  # noqa: E402

django.setup()

from bench.harness import pct  # noqa: E402

LEADER = "bench_events_leader"


BENCH_SCHEMES = ("bench: active per ward", "bench: active per khu phố")


def prepare(levels: bool = False) -> tuple[str, int]:
    """A leader's session cookie and a business to edit (the demo at a small scale when the database is empty);
    the bench's level schemes active or retired as asked."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from businesses.models import Business
    from gisportal.demo import DemoContext, run
    from gisportal.models import Profile, Role

    if not Business.objects.filter(is_deleted=False).exists():
        run(DemoContext(scale=0.02, password="bench-only", log=lambda _: None))
    user, _ = get_user_model().objects.get_or_create(username=LEADER)
    Profile.objects.update_or_create(user=user, defaults={"role": Role.DISTRICT_LEADER})
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    business = Business.objects.filter(is_deleted=False).order_by("pk").first()
    from frontend.models import LevelScheme

    steps = [{"key": "low", "label": "Thấp", "colour": "#2ca25f", "min": 0, "max": 50},
             {"key": "high", "label": "Cao", "colour": "#e31a1c", "min": 50, "max": None}]  # fmt: skip
    for name, area in zip(BENCH_SCHEMES, ("ward", "khu_pho"), strict=True):
        LevelScheme.objects.update_or_create(
            name=name, defaults={"area_level": area, "indicator": "active", "levels": steps, "active": levels}
        )
    return f"sessionid={session.session_key}", business.pk


def edit(pk: int, n: int) -> None:
    """An officer's save, as the editor's service commits it: one UPDATE statement (the trigger notifies)."""
    from businesses.models import Business

    Business.objects.filter(pk=pk).update(signboard=f"Bench {n}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "0"}
    cmd = [sys.executable, "-m", "gunicorn", "gisportal.asgi:application", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(workers), "--worker-class", "uvicorn.workers.UvicornWorker", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


class Viewer:
    """One open map: reads its stream and stamps the arrival of each `change` event."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.connected = asyncio.Event()
        self.closed = False

    async def run(self, port: int, cookie: str, seconds: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /api/v1/events?max_seconds={seconds} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Cookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        try:
            while line := await reader.readline():
                if line.startswith(b": connected"):
                    self.connected.set()
                elif line.startswith(b"event: change"):
                    self.arrivals.append(time.perf_counter())
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.closed = True
            writer.close()


async def ordinary(port: int, cookie: str, stop: asyncio.Event, out: list[float], errors: list[str]) -> None:
    """Ordinary requests, one after another with a pause (a few readers of the site), on keep-alive connections."""
    import httpx2

    paths = ["/ogc/collections", "/api/v1/me/"]
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Cookie": cookie}, timeout=30) as c:
        n = 0
        while not stop.is_set():
            t = time.perf_counter()
            response = await c.get(paths[n % len(paths)])
            out.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                errors.append(f"{paths[n % len(paths)]} {response.status_code}")
            n += 1
            await asyncio.sleep(0.05)


async def warm_up(port: int, cookie: str) -> None:
    """Each worker's first requests import modules and fill the pool: not what is measured. Fresh connections,
    so that every worker (not only the one holding a keep-alive connection) gets some."""
    import httpx2

    for _ in range(40):
        async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Cookie": cookie}, timeout=60) as c:
            await c.get("/ogc/collections")
            await c.get("/api/v1/me/")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the gunicorn workers), in MB."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True)
    return sum(int(x) for x in out.stdout.split()) / 1024


async def bench(args: argparse.Namespace, port: int, cookie: str, pk: int, server_pid: int) -> None:
    seconds = 300
    stop = asyncio.Event()
    baseline_ms: list[float] = []
    errors: list[str] = []
    await warm_up(port, cookie)
    requests = asyncio.create_task(ordinary(port, cookie, stop, baseline_ms, errors))
    await asyncio.sleep(5)
    stop.set()
    await requests
    print(
        f"ordinary requests, no viewer ({len(baseline_ms)}): p50 {pct(baseline_ms, 0.5):.0f} ms,"
        f" p99 {pct(baseline_ms, 0.99):.0f} ms"
    )
    viewers = [Viewer() for _ in range(args.viewers)]
    tasks = []
    t = time.perf_counter()
    opening = asyncio.Semaphore(50)  # browsers arrive over a few seconds, not in one instant

    async def open_one(v: Viewer) -> None:
        async with opening:
            tasks.append(asyncio.create_task(v.run(port, cookie, seconds)))
            await asyncio.wait_for(v.connected.wait(), 60)

    await asyncio.gather(*(open_one(v) for v in viewers))
    print(
        f"{args.viewers} viewers connected in {time.perf_counter() - t:.1f} s; server RSS {rss_mb(server_pid):.0f} MB"
    )

    stop = asyncio.Event()
    ordinary_ms: list[float] = []
    requests = asyncio.create_task(ordinary(port, cookie, stop, ordinary_ms, errors))
    await asyncio.sleep(2)
    idle = len(ordinary_ms)

    saved: list[float] = []
    for n in range(args.edits):
        saved.append(time.perf_counter())
        await asyncio.to_thread(edit, pk, n)
        await asyncio.sleep(args.interval)
    await asyncio.sleep(2)
    stop.set()
    await requests

    delays = []
    missing = 0
    for v in viewers:
        for n, started in enumerate(saved):
            if n < len(v.arrivals):
                delays.append((v.arrivals[n] - started) * 1000)
            else:
                missing += 1
    dropped = sum(v.closed for v in viewers)
    for task in tasks:
        task.cancel()
    expected = args.edits * args.viewers
    print(f"edits: {args.edits}, one every {args.interval} s; events expected {expected}, missing {missing}")
    print(f"viewers whose stream ended early: {dropped}")
    if delays:
        print(
            f"edit-to-event delay over every viewer: p50 {pct(delays, 0.5):.0f} ms, p99 {pct(delays, 0.99):.0f} ms,"
            f" max {max(delays):.0f} ms"
        )
    during = len(ordinary_ms) - idle
    print(
        f"ordinary requests with the viewers open ({len(ordinary_ms)}, {during} during the edits):"
        f" p50 {pct(ordinary_ms, 0.5):.0f} ms,"
        f" p99 {pct(ordinary_ms, 0.99):.0f} ms; errors {len(errors)} {errors[:3]}"
    )
    print(f"server RSS with {args.viewers} viewers: {rss_mb(server_pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between edits")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--levels", action="store_true", help="with level schemes re-classifying on every change")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.viewers + 256)), hard))

    cookie, pk = prepare(args.levels)
    port = free_port()
    proc = start_server(port, args.workers)
    try:
        print(
            f"gunicorn + uvicorn workers: {args.workers}, port {port}, cores {os.cpu_count()},"
            f" level schemes {'on' if args.levels else 'off'}"
        )
        asyncio.run(bench(args, port, cookie, pk, proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
