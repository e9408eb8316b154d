"""Throw-away PostgreSQL clusters and portal servers for the operations tests.

A cluster lives in its own folder under /tmp (pytest's tmp_path is mode 700, which the `postgres` user the server
runs as under root cannot enter), on a free port (never the project's 54329), and is removed with its folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from tests.ops.dbtools import ROOT, server_url

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
IS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert port != 54329
    return port


def _as_postgres(args: list[str], **kw) -> subprocess.CompletedProcess:
    cmd = ["runuser", "-u", "postgres", "--", *args] if IS_ROOT else args
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd="/", timeout=120, **kw)


class Cluster:
    """One PostgreSQL 15 cluster: `init()` a new one or `replica_of()` a running one, then `start()`/`stop()`."""

    def __init__(self, name: str) -> None:
        self.home = Path(tempfile.mkdtemp(prefix=f"gisportal-{name}-"))
        self.home.chmod(0o755)
        self.data = self.home / "data"
        self.port = free_port()
        if IS_ROOT:
            shutil.chown(self.home, "postgres", "postgres")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _configure(self) -> None:
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.home}'\n"
                "fsync = off\nfull_page_writes = off\nshared_buffers = 64MB\nmax_connections = 60\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
            )

    def init(self) -> Cluster:
        _as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"]
        )  # fmt: skip
        self._configure()
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        return self

    def replica_of(self, primary: Cluster) -> Cluster:
        """A streaming replica: pg_basebackup -R writes standby.signal and primary_conninfo."""
        _as_postgres(
            [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
             "-D", str(self.data), "-R", "-X", "stream", "--no-sync", "-c", "fast"]
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nunix_socket_directories = '{self.home}'\n")
        return self

    def start(self) -> None:
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.home / "log"), "-o", f"-p {self.port}",
             "-w", "-t", "30", "start"]
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.home, ignore_errors=True)

    def copy_database(self, source_db: str, target_db: str = "portal") -> str:
        """The test database's schema and rows (pg_dump | pg_restore) as `target_db` here; its Django URL."""
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-T", "template0",
             target_db],
            check=True, timeout=60,
        )  # fmt: skip
        dump = subprocess.Popen(
            [str(PG_BIN / "pg_dump"), "-Fc", "--no-owner", f"--dbname={server_url(source_db)}"], stdout=subprocess.PIPE
        )
        subprocess.run(
            [str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={self.url(target_db)}"],
            stdin=dump.stdout,
            check=True,
            timeout=120,
        )
        assert dump.wait(timeout=60) == 0
        return f"postgis://postgres@127.0.0.1:{self.port}/{target_db}"


class PortalServer:
    """The portal as scripts/run.sh serves it (gunicorn, uvicorn workers, DEBUG off), in a process of its own."""

    def __init__(
        self, log_path: Path, workers: int = 1, probe: str | None = "/api/v1/businesses/industries", **env: str
    ) -> None:
        """`probe`: a path that answers once the portal is up; None waits for the port only (no database)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # The key scripts/common.sh chose (it keeps a SECRET_KEY_FILE given in the environment), else the checkout's.
        key_file = os.environ.get("SECRET_KEY_FILE") or str(ROOT / "var" / "secret-key")
        environment = {**os.environ, "DEBUG": "0", "SECRET_KEY_FILE": key_file, **env}
        # Production settings, not the test ones (PYTEST_VERSION switches throttles off and shifts Redis).
        environment.pop("PYTEST_VERSION", None)
        environment.pop("PYTEST_XDIST_WORKER", None)
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "gisportal.asgi:application", "--bind",
             f"127.0.0.1:{self.port}", "--workers", str(workers), "--worker-class", "uvicorn_worker.UvicornWorker",
             "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if probe is None:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                else:
                    urllib.request.urlopen(f"{self.base}{probe}", timeout=5).read()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.close()
        raise RuntimeError(f"gunicorn did not answer in 60 s: {log_path.read_text()[-2000:]}")

    def get(self, path: str, timeout: float = 30, headers: dict | None = None) -> tuple[int, bytes, Message]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            # The headers as the client has them: names in any case (uvicorn's parser sends them lower-cased).
            return exc.code, exc.read(), exc.headers

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
