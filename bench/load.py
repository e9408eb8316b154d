"""A bounded load run on loopback against the production server configuration (gunicorn + uvicorn workers).

usage: nice -n 10 .venv/bin/python bench/load.py [--seconds 60] [--clients 8,32,128] [--workers 2]
                                                  [--port N | --base URL] [--only radius,tile]

Without --base it starts the portal as scripts/run.sh does (gunicorn gisportal.asgi with uvicorn workers, the
ASGI fast path of gisportal/fastpath.py, DEBUG off, the connection pool) on --port (a free one by default), on
DATABASE_URL's database, from a clean state: the database is created if missing, migrated, and given the demo
ward (`manage.py seed_demo`) if it has no ward yet. The anonymous throttle is raised for the run (one loopback
address would otherwise be refused after 300 calls a minute); with --base the server's own throttles apply.
Each endpoint — the public map page, the 500 m radius scan, the name check, a z14 vector tile — is loaded alone
by N closed-loop clients (one asyncio loop, a keep-alive connection each) for --seconds, and printed as requests/s,
p50, p99 and errors, beside the anchor: a static file served by the same workers (the server and client floor).
The client shares the machine's cores with the server: figures are a floor for the server, not a ceiling.
Each row is printed beside issue 17's goal: zero errors everywhere, and for the radius scan at 32 clients at least
500 requests/s with p99 under 100 ms (on 2 cores). The load average is printed before and after. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_WARD = "27154"  # layers/demo.py WARD_CODE: Phường Bàn Cờ


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    env = {**os.environ, "DEBUG": "0", "THROTTLE_ANON": "10000000/min"}
    if not env.get("SECRET_KEY"):
        key = Path(env.get("SECRET_KEY_FILE") or ROOT / "var" / "secret-key")
        if not key.is_file() or not key.read_text().strip():
            key.parent.mkdir(parents=True, exist_ok=True)
            key.write_text(secrets.token_urlsafe(50) + "\n")
            key.chmod(0o600)
        env["SECRET_KEY_FILE"] = str(key)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )
    return done.stdout if capture else ""


def prepare_database(env: dict[str, str]) -> None:
    """From a clean state: the database created if missing, migrated, the demo ward loaded if it has no ward."""
    import psycopg

    url = urllib.parse.urlsplit(env.get("DATABASE_URL", "postgis://postgres@127.0.0.1:54329/gisportal"))
    name = url.path.lstrip("/")
    server = dict(host=url.hostname, port=url.port or 5432, user=url.username, password=url.password)
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--noinput", "-v0")
    probe = "from layers.models import AdminUnit; print(AdminUnit.objects.filter(level='ward').exists())"
    if manage(env, "shell", "--no-imports", "-v0", "-c", probe, capture=True).strip() != "True":
        print("no ward in the database: loading the demo ward (manage.py seed_demo)", flush=True)
        manage(env, "seed_demo", "--password", secrets.token_urlsafe(12))


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    # As scripts/run.sh: static files collected once (compressed copies for whitenoise; DEBUG off reads no app folder).
    manage(env, "collectstatic", "--noinput", "-v0")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "gisportal.asgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "uvicorn_worker.UvicornWorker", "--timeout", "120",
         "--graceful-timeout", "10", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/businesses/industries", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"gunicorn exited with {proc.returncode}")
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not answer in 60 s")


def get(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.read()


def endpoints(base: str) -> dict[str, str]:
    """The paths, placed in the demo ward (its centre from the public admin units) and one static file."""
    import json

    wards = json.loads(get(base, "/api/v1/admin-units/?level=ward&page_size=5000"))
    feats = [f for f in wards.get("features") or [] if (f.get("geometry") or {}).get("coordinates")]
    if not feats:
        sys.exit("no ward with a boundary in the database: run `make run` once, or manage.py seed_demo")
    # The home ward (the demo's Phường Bàn Cờ unless PORTAL_HOME_WARDS names another); the 2025 table's other
    # units may carry no boundary at all.
    home = (os.environ.get("PORTAL_HOME_WARDS") or DEMO_WARD).split(",")[0]
    ward = next((f for f in feats if f.get("properties", {}).get("code") == home), feats[0])
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c:
                walk(part)

    walk(ward["geometry"]["coordinates"])
    lon, lat = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    x, y = tile_xy(lon, lat, 14)
    page = get(base, "/").decode()
    static = page.split('src="/static/', 1)[1].split('"', 1)[0] if 'src="/static/' in page else ""
    return {
        "anchor": f"/static/{static}",
        "page": "/",
        "radius": f"/api/v1/businesses/radius?lat={lat:.6f}&lon={lon:.6f}&radius_m=500",
        "namecheck": f"/api/v1/businesses/name-check?name={urllib.parse.quote('Phở Hòa')}&area=city",
        "tile": f"/tiles/businesses/14/{x}/{y}.mvt",
    }


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    """One GET on a keep-alive connection: (status, whether the server keeps the connection open)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:  # neither: the body runs to the end of the connection
        await reader.read()
        return status, False
    return status, headers.get("connection", "").lower() != "close"


async def _load(host: str, port: int, path: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    kinds: dict[str, int] = {}
    # A browser asks for a page as HTML and for the API as the map's fetch() does (*/*): an HTML Accept on an
    # API path would get DRF's browsable page, which no map asks for.
    accept = "text/html,*/*" if path == "/" else "*/*"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\nAccept-Encoding: gzip\r\n\r\n"
    ).encode()
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        conn = None
        while (t := time.perf_counter()) < stop_at:
            try:
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                status, keep = await asyncio.wait_for(_exchange(*conn, request), 30)
                if status == 200:
                    latencies.append((time.perf_counter() - t) * 1000)
                else:
                    kinds[str(status)] = kinds.get(str(status), 0) + 1
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
                kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1
                keep = False
            if not keep and conn is not None:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    done = sorted(latencies)

    def q(p: float) -> float:
        return done[min(len(done) - 1, int(p * len(done)))] if done else float("nan")

    errors = sum(kinds.values())
    return {"rps": len(done) / elapsed, "p50": q(0.50), "p99": q(0.99), "errors": errors, "kinds": kinds}


def load(host: str, port: int, path: str, clients: int, seconds: float) -> dict:
    """`clients` closed-loop clients, each on its own keep-alive connection, for `seconds`: one asyncio loop
    (uvloop where installed), lighter on the shared cores than a thread per client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_load(host, port, path, clients, seconds))
    return uvloop.run(_load(host, port, path, clients, seconds))


# Issue 17's goal: zero errors on every row; the radius scan at 32 clients ≥ 500 requests/s with p99 < 100 ms.
GOAL_RPS, GOAL_P99_MS, GOAL_CLIENTS = 500.0, 100.0, 32


def goal(name: str, clients: int, r: dict) -> str:
    """The goal beside a row, and whether this run met it."""
    if name == "radius" and clients == GOAL_CLIENTS:
        met = r["rps"] >= GOAL_RPS and r["p99"] < GOAL_P99_MS and r["errors"] == 0
        return f"goal ≥{GOAL_RPS:.0f}/s, p99 <{GOAL_P99_MS:.0f} ms, 0 errors: {'met' if met else 'NOT met'}"
    return f"goal 0 errors: {'met' if r['errors'] == 0 else 'NOT met'}"


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", default="8,32,128")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--base", help="an already running portal (its throttles apply)")
    where.add_argument("--port", type=int, default=0, help="the port of the server this run starts (default: free)")
    parser.add_argument("--only", help="comma-separated endpoint names (anchor,page,radius,namecheck,tile)")
    args = parser.parse_args()

    proc = None
    if args.base:
        base = args.base.rstrip("/")
    else:
        port = args.port or free_port()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                sys.exit(f"port {port} is taken: choose another with --port, or point --base at that server")
        env = server_env()
        prepare_database(env)
        proc = start_server(port, args.workers, env)
        base = f"http://127.0.0.1:{port}"
    try:
        paths = endpoints(base)
        if args.only:
            paths = {k: v for k, v in paths.items() if k in args.only.split(",")}
        parts = urllib.parse.urlsplit(base)
        print(f"server {base} ({args.workers} gunicorn/uvicorn workers, DEBUG off)" if proc else f"server {base}")
        print(f"cores {os.cpu_count()}, {args.seconds:g} s per row, the client (one asyncio loop) on the same machine")
        print(f"load average before: {loadavg()}")
        for name, path in paths.items():
            print(f"  {name:9} {path}")
        print(f"{'endpoint':10} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  goal")
        for clients in (int(c) for c in args.clients.split(",")):
            for name, path in paths.items():
                for _ in range(3):  # warm-up: connections, caches
                    get(base, path)
                r = load(parts.hostname or "127.0.0.1", parts.port or 80, path, clients, args.seconds)
                kinds = f"  {r['kinds']}" if r["kinds"] else ""
                print(
                    f"{name:10} {clients:7d} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f} {r['errors']:7d}"
                    f"  {goal(name, clients, r)}{kinds}",
                    flush=True,
                )
        print(f"load average after: {loadavg()}")
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
