"""The citizens' maps on a slow phone: time to a usable map, the scan's answer, script and style bytes.

usage: .venv/bin/python bench/pages.py [--scale 1] [--port 8771] [--runs 3] [--finders] [--page /] [--waterfall]
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
The issue's goals are printed beside them (3 s, 1 s, 500 KB), and the machine's load. --page measures only the
pages named; --waterfall prints each request of a page's last run (start and end in ms from navigation, bytes,
type), to see what waits for what on the phone's six connections. Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import ROOT, ensure_businesses, load, server

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


# With --waterfall, what the page's main thread did: its long tasks (over 50 ms; CPU-throttled, these are what a
# slow phone spends) and when the milestones of "usable" were first seen, in ms from navigation start.
TIMELINE_JS = """(() => {
  const t = (window.__bench = { long: [], seen: {} });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) t.long.push([Math.round(e.startTime), Math.round(e.duration)]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  const marks = {
    basemap_tile: '.leaflet-tile-pane .leaflet-tile-loaded',
    overlay: '.leaflet-overlay-pane path',
    layer_tile: '.vector-tiles path',
    map_created: '.leaflet-container',
  };
  const look = () => {
    for (const [k, sel] of Object.entries(marks)) {
      if (!t.seen[k] && document.querySelector(sel)) t.seen[k] = Math.round(performance.now());
    }
    const m = document.getElementById('map');
    if (!t.seen.loaded && m && m.dataset.loaded === 'true') t.seen.loaded = Math.round(performance.now());
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
})()"""


def first_view(browser, base: str, path: str, timeline: bool = False, cpu_slowdown: float = CPU_SLOWDOWN) -> dict:
    """One cold view of `path` on the emulated phone: its figures in ms and bytes."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    if timeline:
        page.add_init_script(TIMELINE_JS)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
    kinds: dict[str, str] = {}
    sizes = {"Script": 0, "Stylesheet": 0, "all": 0}
    # requestId → [url, sent, response headers, finished (CDP timestamps, s), bytes]
    requests: dict[str, list] = {}

    def sent(ev: dict) -> None:
        requests[ev["requestId"]] = [ev["request"]["url"], ev["timestamp"], None, None, 0]

    def received(ev: dict) -> None:
        kinds[ev["requestId"]] = ev.get("type", "")
        if ev["requestId"] in requests:
            requests[ev["requestId"]][2] = ev["timestamp"]

    def finished(ev: dict) -> None:
        n = int(ev.get("encodedDataLength", 0))
        sizes["all"] += n
        kind = kinds.get(ev["requestId"])
        if kind in sizes:
            sizes[kind] += n
        if ev["requestId"] in requests:
            requests[ev["requestId"]][3:] = [ev["timestamp"], n]

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    page.set_default_timeout(120_000)
    start = time.perf_counter()
    page.goto(base + path, wait_until="commit")
    page.wait_for_function(USABLE_JS, polling=50)
    out = {"usable": (time.perf_counter() - start) * 1000, **{k: v for k, v in sizes.items()}}
    out["waterfall"] = waterfall(requests, kinds, base, out["usable"])
    if timeline:
        bench = page.evaluate("window.__bench")
        seen = sorted(bench["seen"].items(), key=lambda kv: kv[1])
        out["waterfall"].append("  page (ms from navigation start): " + ", ".join(f"{k} {v}" for k, v in seen))
        busy = ", ".join(f"{a}+{d}" for a, d in bench["long"])
        out["waterfall"].append(f"  long tasks (start+ms): {busy}")
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


def waterfall(requests: dict[str, list], kinds: dict[str, str], base: str, usable: float) -> list[str]:
    """One line a request, in the order sent: sent → headers → done (ms from the first request), bytes, type."""
    if not requests:
        return []
    t0 = min(r[1] for r in requests.values())
    ms = lambda t: f"{(t - t0) * 1000:6.0f}" if t else "     -"  # noqa: E731
    lines = [f"  usable at ~{usable:.0f} ms (from navigation, the clock above starts at the page's request)"]
    for rid, (url, start, head, done, n) in sorted(requests.items(), key=lambda kv: kv[1][1]):
        short = url.removeprefix(base)
        short = short if len(short) <= 70 else short[:67] + "..."
        lines.append(f"  {ms(start)} {ms(head)} {ms(done)} {n / 1024:6.1f} KB {kinds.get(rid, ''):<10} {short}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--port", type=int, default=8771)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--finders", action="store_true", help="static files uncompressed, from the apps' folders")
    ap.add_argument("--page", action="append", choices=PAGES, help="only this page (repeatable)")
    ap.add_argument("--waterfall", action="store_true", help="print the requests of each page's last run")
    ap.add_argument("--cpu", type=float, default=CPU_SLOWDOWN, help="CPU slowdown (1: none, to see the network's part)")
    args = ap.parse_args()
    businesses = ensure_businesses(args.scale)
    os.environ["PORTAL_HOME_WARDS"] = WARD_CODE  # as `make run` does: the maps open on the demo ward
    static = "from the apps' folders, uncompressed" if args.finders else "collected, gzip"
    print(
        f"{businesses} businesses; phone 390×844, Fast 3G, CPU ×{args.cpu:g}, cache off, median of {args.runs};"
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
        for path in args.page or PAGES:
            runs = [first_view(browser, base, path, args.waterfall, args.cpu) for _ in range(args.runs)]

            def med(key: str, runs: list[dict] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            line = (
                f"{path:<14} usable {med('usable'):6.0f} ms (goal 3000; runs "
                f"{', '.join(str(round(r['usable'])) for r in runs)})"
                f"  script {med('Script') / 1024:6.1f} KB  style {med('Stylesheet') / 1024:5.1f} KB"
                f"  (script+style {(med('Script') + med('Stylesheet')) / 1024:6.1f} KB, goal 500)"
                f"  all {med('all') / 1024:7.1f} KB"
            )
            if "answered" in runs[0]:
                line += (
                    f"  scan {SCAN_RADIUS_M} m: answered {med('answered'):5.0f} ms (goal 1000),"
                    f" all {med('found'):.0f} drawn {med('drawn'):6.0f} ms"
                )
            print(f"{line}  [{load()}]", flush=True)
            if args.waterfall:
                print("\n".join(runs[-1]["waterfall"]), flush=True)
        browser.close()


if __name__ == "__main__":
    main()
