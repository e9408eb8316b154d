"""Forest plots and their surveys as KML or KMZ for Google Earth.

One folder per sub-zone with a placemark per plot (its polygon, coloured by the latest survey's
condition, a balloon table of every survey, and the figures as ExtendedData), and a folder of the
surveys themselves as time-stamped points, so Google Earth's time slider replays the monitoring.
Written with ElementTree: every text is escaped, nothing from the data becomes markup.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Mapping
from xml.etree import ElementTree as ET

from django.db.models import QuerySet

from layers.models import ForestPlot, ForestSurvey

NS = "http://www.opengis.net/kml/2.2"
# KML colours are aabbggrr.
CONDITION_COLORS = {
    "healthy": "ff2e9e3a",
    "stressed": "ff1fb4e8",
    "degraded": "ff1f63e8",
    "lost": "ff2121d6",
    "": "ff888888",
}
SURVEY_FIELDS = [
    ("surveyed_on", "Ngày khảo sát"),
    ("canopy_cover_pct", "Độ che phủ (%)"),
    ("density_per_ha", "Mật độ (cây/ha)"),
    ("mean_height_m", "Chiều cao TB (m)"),
    ("mean_dbh_cm", "Đường kính TB (cm)"),
    ("carbon_t_ha", "Trữ lượng carbon (tC/ha)"),
    ("condition", "Tình trạng"),
    ("notes", "Ghi chú"),
]


def _sub(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


def _coords(ring) -> str:
    return " ".join(f"{x:.7f},{y:.7f}" for x, y in ring)


def _styles(doc: ET.Element) -> None:
    for condition, color in CONDITION_COLORS.items():
        style = _sub(doc, "Style", id=f"plot-{condition or 'none'}")
        line = _sub(style, "LineStyle")
        _sub(line, "color", color)
        _sub(line, "width", 2)
        poly = _sub(style, "PolyStyle")
        _sub(poly, "color", "66" + color[2:])  # the same hue, 40 % opaque
    style = _sub(doc, "Style", id="survey")
    icon = _sub(style, "IconStyle")
    _sub(icon, "scale", "0.6")


def _table(surveys: list[ForestSurvey]) -> str:
    """The balloon's survey table, as text Google Earth renders (ElementTree escapes it)."""
    head = "".join(f"<th>{label}</th>" for _, label in SURVEY_FIELDS)
    rows = []
    for s in surveys:
        cells = "".join(f"<td>{_esc(getattr(s, name))}</td>" for name, _ in SURVEY_FIELDS)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table border='1' cellpadding='2'><tr>{head}</tr>{''.join(rows)}</table>"


def _esc(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _data(parent: ET.Element, values: Mapping[str, object]) -> None:
    ext = _sub(parent, "ExtendedData")
    for name, value in values.items():
        data = _sub(ext, "Data", name=name)
        _sub(data, "value", "" if value is None else value)


def document(plots: QuerySet[ForestPlot]) -> bytes:
    """The KML text of these plots and all their surveys."""
    ET.register_namespace("", NS)
    kml = ET.Element("kml", xmlns=NS)
    doc = _sub(kml, "Document")
    _sub(doc, "name", "Ô định vị rừng / Forest plots")
    _styles(doc)
    rows = list(plots.order_by("sub_zone", "code"))
    surveys: dict[int, list[ForestSurvey]] = defaultdict(list)
    for s in ForestSurvey.objects.filter(plot__in=rows).order_by("surveyed_on"):
        surveys[s.plot_id].append(s)
    zones: dict[str, ET.Element] = {}
    for plot in rows:
        folder = zones.get(plot.sub_zone)
        if folder is None:
            folder = zones[plot.sub_zone] = _sub(doc, "Folder")
            _sub(folder, "name", plot.sub_zone)
        history = surveys.get(plot.pk, [])
        latest = history[-1] if history else None
        mark = _sub(folder, "Placemark", id=f"plot-{plot.pk}")
        _sub(mark, "name", plot.code)
        _sub(mark, "description", f"{plot.species} · {plot.planting_year or ''} · {plot.area_ha} ha" + _table(history))
        _sub(mark, "styleUrl", f"#plot-{(latest.condition if latest else '') or 'none'}")
        values = {
            "code": plot.code,
            "sub_zone": plot.sub_zone,
            "species": plot.species,
            "planting_year": plot.planting_year,
            "area_ha": plot.area_ha,
            "surveys": len(history),
        }
        if latest:
            values |= {f"latest_{name}": getattr(latest, name) for name, _ in SURVEY_FIELDS if name != "notes"}
        _data(mark, values)
        poly = _sub(mark, "Polygon")
        outer = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coords(plot.geom.exterior_ring.coords))
        for ring in plot.geom[1:]:
            _sub(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(ring.coords))
    timeline = _sub(doc, "Folder")
    _sub(timeline, "name", "Khảo sát theo thời gian / Surveys over time")
    for plot in rows:
        centre = plot.geom.point_on_surface
        for s in surveys.get(plot.pk, []):
            mark = _sub(timeline, "Placemark", id=f"survey-{s.pk}")
            _sub(mark, "name", f"{plot.code} {s.surveyed_on.isoformat()}")
            _sub(_sub(mark, "TimeStamp"), "when", s.surveyed_on.isoformat())
            _sub(mark, "styleUrl", "#survey")
            _data(mark, {"plot": plot.code, **{name: getattr(s, name) for name, _ in SURVEY_FIELDS}})
            _sub(_sub(mark, "Point"), "coordinates", f"{centre.x:.7f},{centre.y:.7f}")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="utf-8")


def kmz(plots: QuerySet[ForestPlot]) -> bytes:
    """The same document zipped as doc.kml, which Google Earth opens as a KMZ."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", document(plots))
    return buf.getvalue()
