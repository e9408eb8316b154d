"""What the operations tests compare: every table's rows and every file's bytes, and how to reach a database."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import psycopg
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def server_url(dbname: str = "postgres") -> str:
    """A libpq URL of the test database's server (the one pytest uses), for another database on it."""
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{dbname}"


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of its rows' text sorted)} for every table in the public schema."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for name in sorted(names):
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{name}\" t"
            ).fetchone()
            out[name] = (row[0], row[1])
    return out


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def drop_database(name: str) -> None:
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """scripts/<script> with these environment variables over the current ones; never raises on failure."""
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
