"""The citizens' maps on a slow phone: time to a usable map, the scan's answer, script and style bytes.

usage: .venv/bin/python bench/pages.py [--scale 1] [--port 8771] [--runs 3] [--finders]
Against the database of DATABASE_URL (seeded with the demo at --scale unless it already holds it, as
bench/radius.py does), a one-worker gunicorn (harness.server) serving static files as production does
(collected into a temporary STATIC_ROOT with their gzip variants, pages and JSON gzipped as nginx does,
bench/static_settings.py; --finders serves them from the apps' folders, uncompressed, as gisportal.settings
does) and Debian's Chromium through Playwright (never `playwright install`) at 390 × 844, touch, with Chrome
DevTools Protocol emulation of "Fast 3G" (DevTools' preset: 562.5 ms latency, 1.44 Mb/s down, 675 kb/s up) and
a 4× CPU slowdown, cache off (each run is a first view). Per page, the medians of --runs:
- usable: navigation start → the map has its data (`#map[data-loaded=true]`), a basemap tile painted and a
  first overlay drawn;
- script / style: bytes on the wire (CDP encodedDataLength) of JavaScript and CSS of that first view;
- on /businesses/, once the view has settled: tap → the scan's count shown ("answered"), and → every
  business of the circle drawn.
The issue's goals are printed beside them (3 s, 1 s, 500 KB). Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import ROOT, ensure_businesses, server

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from playwright.sync_api import sync_playwright

from layers.demo import WARD_CODE

CHROMIUM = "/usr/bin/chromium"
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
CPU_SLOWDOWN = 4
PAGES = ("/", "/businesses/")
SCAN_RADIUS_M = 500
# The map has its data, a basemap tile drawn (Leaflet marks a raster tile, or a protomaps-leaflet canvas tile once
# painted, `leaflet-tile-loaded`; a canvas merely created is still blank) and a first overlay on it.
USABLE_JS = """() => {
  const m = document.getElementById('map');
  if (!m || m.dataset.loaded !== 'true') return false;
  const tile = m.querySelector('.leaflet-tile-pane .leaflet-tile-loaded');
  const overlay = m.querySelector(
    '.leaflet-overlay-pane path, .leaflet-marker-pane .leaflet-marker-icon, .vector-tiles path');
  return !!(tile && overlay);
}"""


def first_view(browser, base: str, path: str) -> dict:
    """One cold view of `path` on the emulated phone: its figures in ms and bytes."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    kinds: dict[str, str] = {}
    sizes = {"Script": 0, "Stylesheet": 0, "all": 0}

    def received(ev: dict) -> None:
        kinds[ev["requestId"]] = ev.get("type", "")

    def finished(ev: dict) -> None:
        n = int(ev.get("encodedDataLength", 0))
        sizes["all"] += n
        kind = kinds.get(ev["requestId"])
        if kind in sizes:
            sizes[kind] += n

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    page.set_default_timeout(120_000)
    start = time.perf_counter()
    page.goto(base + path, wait_until="commit")
    page.wait_for_function(USABLE_JS, polling=50)
    out = {"usable": (time.perf_counter() - start) * 1000, **{k: v for k, v in sizes.items()}}
    if path == "/businesses/":
        # The tap comes once the first view has settled (no request for half a second), as a person's would.
        page.wait_for_load_state("networkidle")
        page.locator("#radius").fill(str(SCAN_RADIUS_M))
        box = page.locator("#map").bounding_box()
        # Above the bottom sheet, where a thumb would tap.
        tap = time.perf_counter()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.3)
        page.wait_for_function(
            "() => ['answered', 'drawn'].includes(document.getElementById('map').dataset.scan)",
            polling=20,
        )
        out["answered"] = (time.perf_counter() - tap) * 1000
        page.wait_for_function("() => document.getElementById('map').dataset.scan === 'drawn'", polling=50)
        out["drawn"] = (time.perf_counter() - tap) * 1000
        out["found"] = int(page.inner_text("#scan-total"))
    context.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--port", type=int, default=8771)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--finders", action="store_true", help="static files uncompressed, from the apps' folders")
    args = ap.parse_args()
    businesses = ensure_businesses(args.scale)
    os.environ["PORTAL_HOME_WARDS"] = WARD_CODE  # as `make run` does: the maps open on the demo ward
    static = "from the apps' folders, uncompressed" if args.finders else "collected, gzip"
    print(
        f"{businesses} businesses; phone 390×844, Fast 3G, CPU ×{CPU_SLOWDOWN}, cache off, median of {args.runs};"
        f" static files {static}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-static-") as root:
        if not args.finders:
            env = {**os.environ, "STATIC_ROOT": root, "DJANGO_SETTINGS_MODULE": "bench.static_settings"}
            command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
            subprocess.run(command, check=True, env=env, cwd=ROOT)
            os.environ.update(STATIC_ROOT=root, DJANGO_SETTINGS_MODULE="bench.static_settings")
        measure(args)


def measure(args: argparse.Namespace) -> None:
    with server(args.port, "/tiles/") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        # The server's first requests (imports, caches) are not what a phone waits for.
        first_view(browser, base, "/")
        for path in PAGES:
            runs = [first_view(browser, base, path) for _ in range(args.runs)]

            def med(key: str, runs: list[dict] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            line = (
                f"{path:<14} usable {med('usable'):6.0f} ms (goal 3000)"
                f"  script {med('Script') / 1024:6.1f} KB  style {med('Stylesheet') / 1024:5.1f} KB"
                f"  (script+style {(med('Script') + med('Stylesheet')) / 1024:6.1f} KB, goal 500)"
                f"  all {med('all') / 1024:7.1f} KB"
            )
            if "answered" in runs[0]:
                line += (
                    f"  scan {SCAN_RADIUS_M} m: answered {med('answered'):5.0f} ms (goal 1000),"
                    f" all {med('found'):.0f} drawn {med('drawn'):6.0f} ms"
                )
            print(line, flush=True)
        browser.close()


if __name__ == "__main__":
    main()
