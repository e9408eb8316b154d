#!/usr/bin/env bash
# Fetches Leaflet and its plugins with npm and copies the files the pages load into
# frontend/static/vendor/, so that nothing is ever loaded from a CDN.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEST=frontend/static/vendor
stamp="$DEST/.package-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules ]; then
    exit 0
fi
echo "==> npm ci (Leaflet và plugin / Leaflet and plugins)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
rm -rf "$DEST"
mkdir -p "$DEST"
cp -r node_modules/leaflet/dist "$DEST/leaflet"
mkdir -p "$DEST/chartjs" "$DEST/geoman" "$DEST/vectorgrid" "$DEST/compare"
cp node_modules/chart.js/dist/chart.umd.min.js "$DEST/chartjs/"
cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.{min.js,css} "$DEST/geoman/"
cp node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js "$DEST/vectorgrid/"
# The portal's own vector basemap with street names (frontend/static/frontend/js/basemap.js): one IIFE file.
mkdir -p "$DEST/protomaps"
cp node_modules/protomaps-leaflet/dist/protomaps-leaflet.js "$DEST/protomaps/"
# The imagery swipe. leaflet-compare is leaflet-side-by-side's fork that ships a built file: the
# original's npm package holds only CommonJS source that needs browserify (and its esprima-fb).
cp node_modules/leaflet-compare/dist/leaflet-compare.{js,css} "$DEST/compare/"
# axe-core: the browser tests inject it into every page (tests/browser/test_page_walk.py); pages never load it.
mkdir -p "$DEST/axe"
cp node_modules/axe-core/axe.min.js "$DEST/axe/"
echo "$want" >"$stamp"
