"""OGC API Features pages at scale: /ogc/collections/businesses/items beside SQL json_agg and a plain DRF serializer.

usage: DATABASE_URL=…/gisportal_bench .venv/bin/python bench/features.py [--scale 200] [--runs 20]
Against the bench database (scripts/bench.sh; seeded by `seed_demo --scale` as bench/radius.py does,
unless it already holds that many businesses), for pages of 1,000 and 10,000 features starting at
random places of the table (keyset `after`), prints the median and p95 of:
  - the OGC items page through a real gunicorn server over loopback (what QGIS gets),
  - the same page built in-process by `layers.ogc.features.page` (the service without HTTP),
  - the anchor: `SELECT json_agg(ST_AsGeoJSON(t.*)::json)` over the same rows and columns, fetched as text,
  - a plain `GeoFeatureModelSerializer` over the same rows, rendered by DRF's JSONRenderer (in-process,
    which spares it the HTTP cost the other two pay),
then a streamed response of 50,000 features (time to last byte, MB/s) beside json_agg of the same rows.
Goals: pages within 1.2× of json_agg, at least 10× faster than the serializer. Prints; asserts nothing.
"""

from __future__ import annotations

from harness import ensure_businesses, pct, server

import argparse
import os
import random
import statistics
import time
import urllib.request

from django.db import connection
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from businesses.models import Business
from layers import registry
from layers.ogc import features as ogc

ANCHOR = """SELECT json_agg(ST_AsGeoJSON(t.*)::json)::text FROM (
  SELECT b.id, b.signboard, i.code AS industry_code, i.name AS industry, b.address_current AS address,
         b.status, b.geom
    FROM businesses_business b LEFT JOIN businesses_industry i ON i.id = b.industry_id
   WHERE NOT b.is_deleted AND b.status IN ('active', 'suspended') AND b.id > %s
   ORDER BY b.id LIMIT %s) t"""


class PlainBusinessSerializer(GeoFeatureModelSerializer):
    """The textbook way: the same public fields, one Python object per row."""

    industry_code = serializers.CharField(source="industry.code")
    industry = serializers.CharField(source="industry.name")
    address = serializers.CharField(source="address_current")

    class Meta:
        model = Business
        geo_field = "geom"
        fields = ["id", "signboard", "industry_code", "industry", "address", "status"]


def timed(fn) -> tuple[float, int]:
    start = time.perf_counter()
    size = fn()
    return (time.perf_counter() - start) * 1000, size


def anchor(after: int, n: int) -> int:
    with connection.cursor() as cur:
        cur.execute(ANCHOR, [after, n])
        return len(cur.fetchone()[0])


def service(layer, after: int, n: int) -> int:
    text, _count, _last = ogc.page(layer, ogc.Query(limit=n, after=after), n)
    return len(text)


def serializer(after: int, n: int) -> int:
    rows = (
        Business.objects.filter(is_deleted=False, status__in=["active", "suspended"], id__gt=after)
        .select_related("industry")
        .order_by("id")[:n]
    )
    return len(JSONRenderer().render(PlainBusinessSerializer(rows, many=True).data))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()

    n = ensure_businesses(args.scale)
    layer = registry.get("businesses")
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM businesses_business")
        lo, hi = cur.fetchone()
    print(f"businesses: {n:,}; load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    with server(args.port, "/ogc/collections/businesses/items?limit=1") as root:
        base = f"{root}/ogc/collections/businesses/items"

        def http(after: int, size: int) -> int:
            return len(urllib.request.urlopen(f"{base}?limit={size}&after={after}", timeout=120).read())

        rng = random.Random(20251123)
        print(
            f"\n{'page':>7} | {'OGC HTTP':>17} | {'OGC service':>17} | {'json_agg (anchor)':>17} | "
            f"{'GeoFeatureModelSerializer':>25} | HTTP/anchor | serializer/HTTP | size"
        )
        for size, runs in ((1000, args.runs), (10_000, max(5, args.runs // 2))):
            starts = [rng.randint(lo, max(lo, hi - size * 2)) for _ in range(runs)]
            fns = {
                "http": lambda a, s=size: http(a, s),
                "service": lambda a, s=size: service(layer, a, s),
                "anchor": lambda a, s=size: anchor(a, s),
                "serializer": lambda a, s=size: serializer(a, s),
            }
            for fn in fns.values():  # warm caches and connections
                fn(starts[0])
            times = {k: [] for k in fns}
            sizes = {}
            for after in starts:  # in turn on the same page, so the machine's load weighs on all alike
                for name, fn in fns.items():
                    ms, sizes[name] = timed(lambda fn=fn, after=after: fn(after))
                    times[name].append(ms)
            med = {k: statistics.median(v) for k, v in times.items()}
            cells = " | ".join(
                f"{med[k]:>8.1f} ms p95 {pct(times[k], 0.95):>5.0f}" for k in ("http", "service", "anchor")
            )
            print(
                f"{size:>7,} | {cells} | {med['serializer']:>11.1f} ms p95 {pct(times['serializer'], 0.95):>6.0f} | "
                f"{med['http'] / med['anchor']:>10.2f}× | {med['serializer'] / med['http']:>14.1f}× | "
                f"{sizes['http'] / 1e6:.2f} MB"
            )
            print(
                f"{'':>7}   goal: HTTP within 1.2× of json_agg → {med['http'] / med['anchor']:.2f}× "
                f"({'met' if med['http'] <= 1.2 * med['anchor'] else 'not met'}; the service alone "
                f"{med['service'] / med['anchor']:.2f}×); ≥ 10× faster than the serializer → "
                f"{med['serializer'] / med['http']:.1f}× "
                f"({'met' if med['serializer'] >= 10 * med['http'] else 'not met'})"
            )

        big = 50_000
        after = rng.randint(lo, max(lo, hi - big * 2))
        http(after, 1000)
        h = [timed(lambda: http(after, big)) for _ in range(3)]
        a = [timed(lambda: anchor(after, big)) for _ in range(3)]
        ms_h, size_h = min(h)
        ms_a, _ = min(a)
        print(
            f"\nstreamed {big:,} features (keyset chunks of {ogc.CHUNK:,}): {ms_h:.0f} ms to the last byte, "
            f"{size_h / 1e6:.1f} MB, {size_h / 1e6 / (ms_h / 1000):.0f} MB/s; json_agg of the same rows {ms_a:.0f} ms "
            f"in one piece ({ms_h / ms_a:.2f}×), best of 3"
        )


if __name__ == "__main__":
    main()
