"""docker/: compose scales web and worker by a number; nginx's locations match the portal's real routes and its
tile cache holds only public tile routes (a new route under a cached prefix fails here until it is reviewed)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.urls import URLPattern, URLResolver, get_resolver, resolve

DOCKER = Path(__file__).resolve().parents[2] / "docker"
# Routes whose answers are the same for every reader (Cache-Control: public): the only ones nginx may cache.
PUBLIC_TILE_ROUTES = {"tiles-catalog", "tiles-tilejson", "tiles-tile", "basemap-tilejson", "basemap-tile"}


def locations() -> list[tuple[str, str, str]]:
    """(modifier, pattern, body) of every top-level location in docker/nginx.conf."""
    text = (DOCKER / "nginx.conf").read_text()
    out = []
    for m in re.finditer(r"^    location\s+(=|~|\^~)?\s*(\S+)\s*\{", text, re.M):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out.append((m.group(1) or "", m.group(2).strip('"'), text[m.end() : i]))
    return out


def chosen(path: str) -> tuple[str, str, str]:
    """The location nginx picks for `path`: exact, else regex (in order) unless the longest prefix is ^~."""
    locs = locations()
    for loc in locs:
        if loc[0] == "=" and loc[1] == path:
            return loc
    prefixes = [loc for loc in locs if loc[0] in ("", "^~") and path.startswith(loc[1])]
    prefixes.sort(key=lambda loc: -len(loc[1]))
    if prefixes and prefixes[0][0] == "^~":
        return prefixes[0]
    for loc in locs:
        if loc[0] == "~" and re.search(loc[1], path):
            return loc
    return prefixes[0]


def route_names(prefix: str = "", patterns=None) -> dict[str, str]:
    """{url name: route text} of every named route, with its include prefixes."""
    found: dict[str, str] = {}
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            found.update(route_names(route, p.url_patterns))
        elif isinstance(p, URLPattern) and p.name:
            found[p.name] = route
    return found


def test_compose_scales_web_and_worker_by_a_number():
    services = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]
    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-1}"
    for name in ("web", "worker"):
        # A fixed name or a published port would stop a second copy from starting.
        assert "container_name" not in services[name] and "ports" not in services[name]
    assert "${WEB_WORKERS:-3}" in services["web"]["command"]
    env = (DOCKER / ".env.example").read_text()
    for var in ("WEB_REPLICAS", "WORKER_REPLICAS", "REPLICA_URLS", "DATABASE_POOL_MAX"):
        assert var in env


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (DOCKER / ".env.example").read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.lstrip().startswith("#")}


def test_only_nginx_publishes_a_host_port():
    services = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    assert not [name for name, service in services.items() if "container_name" in service]


def test_the_default_scale_fits_in_postgresqls_connections():
    """Each web process holds a pool of DATABASE_POOL_MAX and one LISTEN connection (gisportal/event_hub.py);
    each worker process a pool of its own; beat and migrate one each. PostgreSQL's max_connections is 100 (the
    image's default) less 3 reserved for superusers."""
    services = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]
    assert "max_connections" not in str(services["postgis"])  # the image's 100, as assumed below
    env = env_example()
    web = int(env["WEB_REPLICAS"]) * int(env["WEB_WORKERS"]) * (int(env["DATABASE_POOL_MAX"]) + 1)
    worker = int(env["WORKER_REPLICAS"]) * int(env["WORKER_CONCURRENCY"]) * int(env["DATABASE_POOL_MAX"])
    assert web + worker + 2 <= 100 - 3, (web, worker)


def test_every_setting_read_from_the_environment_is_listed_in_the_env_example():
    """docker/.env.example is the production's list of settings (docs/architecture.md): a variable the code reads
    through gisportal/env.py's helpers and missing there is one an operator cannot know about."""
    root = DOCKER.parent
    read = set()
    for app in ("gisportal", "layers", "households", "businesses", "imagery", "frontend"):
        for source in (root / app).rglob("*.py"):
            read |= set(re.findall(r"\benv(?:str|bool|int|float|list|choice)\(\s*\"([A-Z0-9_]+)\"", source.read_text()))
    listed = set(re.findall(r"^#? *([A-Z0-9_]+)=", (DOCKER / ".env.example").read_text(), re.M))
    assert len(read) > 40, sorted(read)
    assert sorted(read - listed) == []


def test_behind_nginx_each_client_is_counted_by_its_own_address(rf, settings):
    """nginx appends the address it saw to X-Forwarded-For ($proxy_add_x_forwarded_for); with .env.example's
    NUM_PROXIES the throttles and the lockout count that address, not nginx's (one bucket for the whole city),
    and not a value the client wrote itself in front of it."""
    from gisportal.throttles import client_ip

    nginx = (DOCKER / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    settings.NUM_PROXIES = int(env_example()["NUM_PROXIES"])
    seen = [
        client_ip(rf.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR=forwarded))
        for forwarded in ("203.0.113.1", "203.0.113.2", "10.9.9.9, 203.0.113.1")
    ]
    assert seen == ["203.0.113.1", "203.0.113.2", "203.0.113.1"]


def test_public_tiles_are_cached_and_nothing_private_is():
    samples = {
        "/tiles/businesses/14/13047/7698.mvt": ("tiles-tile", True),
        "/tiles/businesses.json": ("tiles-tilejson", True),
        "/tiles/basemap/14/13047/7698.mvt": ("basemap-tile", True),
        "/tiles/basemap.pmtiles": ("basemap-pmtiles", False),  # range requests: passed through
        "/imagery/3/tiles/14/13047/7698.png": ("imagery-tile", False),  # land officers only
        "/api/v1/events": ("events", False),
        "/api/v1/businesses/radius": ("business-radius", False),
    }
    for path, (name, cached) in samples.items():
        assert resolve(path).url_name == name, path
        body = chosen(path)[2]
        assert ("proxy_cache tiles;" in body) is cached, (path, chosen(path)[:2])
        assert "proxy_pass http://gisportal_web;" in body
    assert "proxy_buffering off;" in chosen("/api/v1/events")[2]


def test_every_route_under_a_cached_location_is_a_public_tile_route():
    cached = [loc[1] for loc in locations() if "proxy_cache tiles;" in loc[2]]
    assert cached == ["/tiles/"]
    under = {name for name, route in route_names().items() if ("/" + route).startswith(tuple(cached))}
    exempt = {name for name in under if "proxy_cache off;" in chosen("/" + route_names()[name])[2]}
    assert under - exempt == PUBLIC_TILE_ROUTES, sorted(under - exempt)


def test_every_proxied_location_has_a_route():
    for modifier, pattern, body in locations():
        if "proxy_pass" not in body or pattern == "/":
            continue
        path = pattern if modifier == "=" else pattern.rstrip("/") + "/"
        matching = [r for r in route_names().values() if ("/" + r).startswith(path.rstrip("/"))]
        assert matching, f"nginx location {pattern} matches no route of the portal"


def pg_script_tunables() -> str:
    found = re.search(r'^PG_GLIBC_TUNABLES="([^"]+)"', (DOCKER.parent / "scripts" / "pg.sh").read_text(), re.M)
    assert found, "scripts/pg.sh no longer names the PostgreSQL server's glibc tunables"
    return found.group(1)


def test_postgresql_keeps_its_freed_heap_here_and_in_compose(db):
    """The PostgreSQL this suite runs on (scripts/pg.sh) and compose's PostGIS both keep freed heap (docs/speed.md,
    "Fourth pass"): read from the running server's own environment, not from the script."""
    from django.db import connection

    tunables = pg_script_tunables()
    assert "glibc.malloc.trim_threshold=" in tunables
    with connection.cursor() as cur:
        cur.execute("SHOW data_directory")
        data = Path(cur.fetchone()[0])
    postmaster = (data / "postmaster.pid").read_text().split()[0]
    environ = Path(f"/proc/{postmaster}/environ").read_bytes().split(b"\0")
    assert f"GLIBC_TUNABLES={tunables}".encode() in environ
    services = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]
    assert services["postgis"]["environment"]["GLIBC_TUNABLES"] == tunables
