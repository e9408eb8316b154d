"""Typed readers for environment variables: a bad value stops start-up with its name."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def envstr(name: str, default: str) -> str:
    """A string; `NAME_FILE` (a path, as Docker secrets give) wins over `NAME`."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/0/true/false/yes/no/on/off")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envchoice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {sorted(choices)}")
    return value


def database_from_url(url: str) -> dict:
    """Django DATABASES entry from `postgis://user:pass@host:port/name` (dj-database-url does the parsing)."""
    if urlparse(url).scheme not in {"postgis", "postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {urlparse(url).scheme!r}: expected postgis://")
    config = dict(dj_database_url.parse(url, engine="gisportal.postgis", conn_max_age=60, conn_health_checks=True))
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL has no database name")
    return config


def redis_url_shifted(url: str, by: int) -> str:
    """The same Redis server, the numbered database `by` after this URL's (`redis://host:port/N`)."""
    parts = urlparse(url)
    db = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{db + by}").geturl()
