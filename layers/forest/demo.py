"""Demo forest plots shaped like the Cần Giờ mangrove monitoring: a commune, four sub-zones (tiểu khu) of
located plots on a grid, and five surveys per plot from 2017 to 2025 (growth, and a coastal sub-zone eroding).

Step `layers.forest.demo.seed_forest_plots` of gisportal.demo.STEPS (after the admin units). The commune
boundary is synthetic, not the official one.
"""

from __future__ import annotations

import datetime as dt

from shapely.geometry import Polygon, box

from gisportal.demo import DemoContext
from layers.crs import UTM48N, WGS84, transformer
from layers.demo import MERGER_DAY, multi, to_deg
from layers.models import AdminUnit, ForestPlot, ForestSurvey

COMMUNE_CODE = "27664"  # Xã Cần Giờ in the 2025 table (layers/reference/hcmc_units_2025.csv)
COMMUNE_CENTER = (106.89, 10.50)  # lon, lat: the mangroves south of Rừng Sác
SUB_ZONES = {  # name → (offset east, offset north in m of the grid's corner, species, planting years, eroding)
    "Tiểu khu 4": (-3500, 1500, "Đước đôi (Rhizophora apiculata)", (1978, 1984), False),
    "Tiểu khu 7": (500, 1500, "Đước đôi (Rhizophora apiculata)", (1985, 1990), False),
    "Tiểu khu 10": (-3500, -2500, "Mắm trắng (Avicennia alba)", (1990, 1996), False),
    "Tiểu khu 15": (500, -2500, "Bần chua (Sonneratia caseolaris)", (1996, 2000), True),
}
GRID = (6, 5)  # plots per row, rows
SPACING = 400  # metres between plot corners
SIDE = 50  # a 50 m × 50 m plot: 0.25 ha
SURVEY_YEARS = [2017, 2019, 2021, 2023, 2025]


def _commune() -> AdminUnit:
    cx, cy = transformer(WGS84, UTM48N).transform(*COMMUNE_CENTER)
    outline = Polygon([(cx - 6000, cy - 5000), (cx + 5500, cy - 5500), (cx + 6500, cy + 4800), (cx - 5200, cy + 5200)])
    # The real commune when the 2025 table is loaded (seed_demo loads it first): one Xã Cần Giờ, not two.
    found = AdminUnit.objects.filter(level=AdminUnit.Level.WARD, code=COMMUNE_CODE, valid_to__isnull=True).first()
    if found:
        if found.boundary is None or found.boundary.empty:
            found.boundary = multi(to_deg(outline)).wkt
            found.save(update_fields=["boundary"])
        return found
    city = AdminUnit.objects.filter(level=AdminUnit.Level.CITY).first()
    return AdminUnit.objects.create(
        level=AdminUnit.Level.WARD,
        kind=AdminUnit.Kind.XA,
        code=COMMUNE_CODE,
        name="Xã Cần Giờ",
        parent=city,
        valid_from=MERGER_DAY,
        boundary=multi(to_deg(outline)).wkt,
    )


def seed_forest_plots(ctx: DemoContext) -> None:
    commune = _commune()
    if ForestPlot.objects.filter(ward=commune).exists():
        ctx.log("  forest plots: already loaded")
        return
    rng = ctx.rng("forest_plots")
    cx, cy = transformer(WGS84, UTM48N).transform(*COMMUNE_CENTER)
    plots, surveys = [], []
    for zone, (dx, dy, species, years, _eroding) in SUB_ZONES.items():
        number = zone.split()[-1]
        for row in range(GRID[1]):
            for col in range(GRID[0]):
                x0 = cx + dx + col * SPACING + rng.uniform(-30, 30)
                y0 = cy + dy + row * SPACING + rng.uniform(-30, 30)
                cell = box(x0, y0, x0 + SIDE, y0 + SIDE)
                plot = ForestPlot(
                    code=f"CG-TK{number}-{row * GRID[0] + col + 1:03d}",
                    sub_zone=zone,
                    species=species,
                    planting_year=rng.randint(*years),
                    ward=commune,
                    geom=to_deg(cell).wkt,
                )
                plot.area_ha = round(cell.area / 10_000, 4)
                plots.append(plot)
    ForestPlot.objects.bulk_create(plots)
    for plot in ForestPlot.objects.filter(ward=commune):
        eroding = SUB_ZONES[plot.sub_zone][4] and rng.random() < 0.4
        carbon, canopy = rng.uniform(90, 160), rng.uniform(60, 85)
        density, height, dbh = rng.uniform(1200, 2200), rng.uniform(8, 14), rng.uniform(10, 18)
        for year in SURVEY_YEARS:
            if eroding and year >= 2021:
                carbon, canopy, density = carbon * 0.82, canopy * 0.85, density * 0.8
            else:
                carbon, canopy = carbon + rng.uniform(3, 8), min(95, canopy + rng.uniform(-1, 3))
                height, dbh = height + rng.uniform(0.1, 0.5), dbh + rng.uniform(0.1, 0.6)
            condition = "healthy" if canopy > 65 else "stressed" if canopy > 45 else "degraded"
            surveys.append(
                ForestSurvey(
                    plot=plot,
                    surveyed_on=dt.date(year, 11, rng.randint(3, 25)),
                    canopy_cover_pct=round(canopy, 1),
                    density_per_ha=round(density),
                    mean_height_m=round(height, 2),
                    mean_dbh_cm=round(dbh, 2),
                    carbon_t_ha=round(carbon, 1),
                    condition=condition,
                    notes="Sạt lở bờ, cây ngã" if eroding and year >= 2023 else "",
                    surveyor="Ban Quản lý Rừng phòng hộ Cần Giờ",
                )
            )
    ForestSurvey.objects.bulk_create(surveys)
    ctx.log(f"  forest plots: {len(plots)} in {len(SUB_ZONES)} sub-zones, {len(surveys)} surveys")
