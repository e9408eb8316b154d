"""Synthetic aerial scenes: one generator for the detector's training pairs and the demo ward's epochs.

`render_epoch` draws any `Layout` (footprints in pixel coordinates) as a nadir RGB photo: textured ground
of grass and bare soil, water, asphalt roads, tree crowns, roofs of several materials with a gable's two
shades, and shadows cast from each building's height away from the sun. Each epoch has its own season,
sun, exposure, haze, noise and cars, so two epochs of the same layout differ in many ways that are NOT
construction; `synthetic_pair` adds new buildings, demolitions, repainted roofs, growing trees, fresh soil
and a sub-pixel to 2 px misregistration. The same seed always gives the same pixels.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from rasterio import features
from scipy import ndimage
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box

# Roof materials: (base RGB, texture). Texture: "tile" speckle, "metal" corrugation stripes, "flat" concrete.
ROOF_PALETTE: list[tuple[tuple[int, int, int], str]] = [
    ((168, 78, 52), "tile"),
    ((190, 112, 70), "tile"),
    ((150, 60, 45), "tile"),
    ((152, 156, 160), "metal"),
    ((95, 118, 150), "metal"),
    ((120, 125, 128), "metal"),
    ((222, 218, 208), "flat"),
    ((200, 186, 160), "flat"),
    ((176, 170, 160), "flat"),
    ((72, 68, 66), "flat"),
]
GRASS = np.array([88, 112, 58], np.float32)
DRY_GRASS = np.array([148, 138, 86], np.float32)
SOIL = np.array([160, 132, 102], np.float32)
ASPHALT = np.array([92, 93, 98], np.float32)
WATER = np.array([46, 72, 78], np.float32)
TREE = np.array([42, 78, 38], np.float32)
HAZE = np.array([200, 206, 216], np.float32)


@dataclass
class Building:
    footprint: Polygon  # pixel coordinates (x right, y down)
    roof_rgb: tuple[int, int, int]
    height_m: float = 6.0
    first_epoch: int = 0  # exists from this epoch on
    last_epoch: int | None = None  # demolished after this epoch (None: still standing)
    # Not construction: the roof repainted from this epoch on, in this colour.
    repaint: tuple[int, tuple[int, int, int]] | None = None

    def stands(self, epoch: int) -> bool:
        return self.first_epoch <= epoch and (self.last_epoch is None or epoch <= self.last_epoch)

    def colour(self, epoch: int) -> tuple[int, int, int]:
        if self.repaint is not None and epoch >= self.repaint[0]:
            return self.repaint[1]
        return self.roof_rgb


@dataclass
class Layout:
    """What stands where, in pixel coordinates of a width × height image at pixel_m metres per pixel."""

    width: int
    height: int
    pixel_m: float = 0.5
    buildings: list[Building] = field(default_factory=list)
    roads: list[tuple[LineString, float]] = field(default_factory=list)  # (centre line, width in metres)
    water: list[Polygon] = field(default_factory=list)
    trees: list[tuple[Point, float]] = field(default_factory=list)  # (centre, crown radius in metres)
    seed: int = 0  # the ground's texture: the same in every epoch of this layout
    soil: list[tuple[Polygon, int]] = field(default_factory=list)  # bare soil from that epoch on
    tree_growth: float = 0.0  # crown radius grows by this fraction per epoch


@dataclass
class ScenePair:
    before: np.ndarray  # (H, W, 3) uint8
    after: np.ndarray
    change: np.ndarray  # (H, W) bool: pixels of structures new in `after`
    layout: Layout


def _noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth value noise in about -1..1 with features of `cell` pixels."""
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    coarse = rng.standard_normal((gh, gw)).astype(np.float32)
    fine = ndimage.zoom(coarse, (h / (gh - 1) + 1e-6, w / (gw - 1) + 1e-6), order=1)[:h, :w]
    return ndimage.uniform_filter(fine, size=max(1, int(cell / 2)))


def _burn(geoms: list, shape: tuple[int, int], dtype: str = "uint8", values=None) -> np.ndarray:
    if not geoms:
        return np.zeros(shape, dtype)
    vals = [1] * len(geoms) if values is None else values
    return features.rasterize(
        zip(_as_geojson(geoms), vals, strict=True), out_shape=shape, fill=0, dtype=dtype, all_touched=False
    )


def _as_geojson(geoms) -> list:
    """GeoJSON-like dicts of simple polygons from one coordinates call (rasterio would otherwise ask each
    shapely polygon for its __geo_interface__, ~60 µs apiece: seconds for a ward); anything else as it is."""
    arr = np.asarray(list(geoms), dtype=object)
    simple = (shapely.get_type_id(arr) == 3) & (shapely.get_num_interior_rings(arr) == 0)
    out = list(arr)
    if simple.any():
        idx = np.flatnonzero(simple)
        coords, which = shapely.get_coordinates(shapely.get_exterior_ring(arr[idx]), return_index=True)
        cuts = np.searchsorted(which, np.arange(1, idx.size))
        for i, ring in zip(idx, np.split(coords, cuts), strict=True):
            out[i] = {"type": "Polygon", "coordinates": [ring.tolist()]}
    return out


def _shadow_offset(height_m: float, pixel_m: float, azimuth_deg: float, elevation_deg: float) -> tuple[float, float]:
    """Pixel offset (dx, dy) of a shadow's tip: away from the sun (azimuth clockwise from north, y down)."""
    length = height_m / math.tan(math.radians(elevation_deg)) / pixel_m
    az = math.radians(azimuth_deg)
    return -math.sin(az) * length, math.cos(az) * length


def _roof_texture(kind: str, shape: tuple[int, int], rng: np.random.Generator, angle: float) -> np.ndarray:
    """A multiplicative brightness pattern (around 1) for one roof's bounding box."""
    h, w = shape
    if kind == "metal":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        u = xx * math.cos(angle) + yy * math.sin(angle)
        return 1 + 0.07 * np.sin(u * 2.2)
    if kind == "tile":
        return 1 + 0.06 * rng.standard_normal(shape).astype(np.float32)
    return 1 + 0.025 * rng.standard_normal(shape).astype(np.float32)


@functools.lru_cache(maxsize=4096)
def _kind(rgb: tuple[int, int, int]) -> str:
    best = min(ROOF_PALETTE, key=lambda p: sum((a - b) ** 2 for a, b in zip(p[0], rgb, strict=True)))
    return best[1]


def _translate(geoms: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each geometry moved by its own (dx, dy): the same arithmetic as affinity.translate, in one pass."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    return shapely.set_coordinates(geoms.copy(), coords + offsets[index])  # new geometries in a new array


def _draw_roofs(img: np.ndarray, layout: Layout, standing: list[Building], epoch: int, sun_azimuth_deg: float) -> None:
    """Roofs: material texture, the gable's sunlit and shaded halves, darker eaves; later roofs over earlier ones.

    One rasterize of every roof with its index (a call per roof cost ~0.5 ms: 7 s for a ward's 13,675 roofs),
    then per-pixel lookups of each roof's parameters. The per-roof parameters, the texture's random draws
    (one generator per roof, over its bounding box) and the float arithmetic are those of drawing the roofs
    one by one, so the pixels are the same.
    """
    h, w = img.shape[:2]
    n = len(standing)
    fps = np.array([b.footprint for b in standing], dtype=object)
    bounds = np.floor(shapely.bounds(fps)).astype(np.int64)
    minx, miny = np.maximum(bounds[:, 0] - 1, 0), np.maximum(bounds[:, 1] - 1, 0)
    maxx, maxy = np.minimum(bounds[:, 2] + 2, w), np.minimum(bounds[:, 3] + 2, h)
    local = _translate(fps, -np.column_stack([minx, miny]).astype(np.float64))
    rects = shapely.minimum_rotated_rectangle(local)
    cents = shapely.get_coordinates(shapely.centroid(local))
    rc, ri = shapely.get_coordinates(shapely.get_exterior_ring(rects), return_index=True)
    first = np.searchsorted(ri, np.arange(n))
    sun = np.array([math.sin(math.radians(sun_azimuth_deg)), -math.cos(math.radians(sun_azimuth_deg))])
    rgbs = np.zeros((n, 3), np.float32)
    cos_a, sin_a = np.zeros(n, np.float32), np.zeros(n, np.float32)
    normals = np.zeros((n, 2))
    gable_sign = np.zeros(n)  # gable × the sunlit side's sign
    metal = np.zeros(n, bool)
    lab = _burn(list(fps), (h, w), "int32", list(range(1, n + 1)))
    tex_field = np.ones((h, w), np.float32)
    for i, b in enumerate(standing):
        if maxx[i] <= minx[i] or maxy[i] <= miny[i]:
            continue
        k = first[i]
        xs, ys = rc[k : k + 3, 0], rc[k : k + 3, 1]
        e1 = np.array([xs[1] - xs[0], ys[1] - ys[0]])
        e2 = np.array([xs[2] - xs[1], ys[2] - ys[1]])
        ridge = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
        angle = math.atan2(ridge[1], ridge[0])
        colour = b.colour(epoch)
        rgbs[i] = np.array(colour, np.float32)
        kind = _kind(colour)
        normals[i] = np.array([-ridge[1], ridge[0]]) / (np.hypot(*ridge) + 1e-9)
        gable_sign[i] = (0.0 if kind == "flat" else 0.10) * float(np.sign(normals[i] @ sun) or 1)
        if kind == "metal":  # the corrugation: computed per pixel below
            metal[i] = True
            cos_a[i], sin_a[i] = math.cos(angle + 1.5708), math.sin(angle + 1.5708)
            continue
        win = (slice(miny[i], maxy[i]), slice(minx[i], maxx[i]))
        mine = lab[win] == i + 1
        if mine.any():
            tex = _roof_texture(
                kind, mine.shape, np.random.default_rng(layout.seed * 7919 + id_hash(b)), angle + 1.5708
            )
            tex_field[win][mine] = tex[mine]
    sel = lab > 0
    rows, cols = np.nonzero(sel)
    li = lab[sel] - 1
    xx = (cols - minx[li]).astype(np.float32)  # the pixel in its roof's box, as the box's mgrid gave it
    yy = (rows - miny[li]).astype(np.float32)
    tex = tex_field[sel]
    m = metal[li]
    u = xx[m] * cos_a[li[m]] + yy[m] * sin_a[li[m]]
    tex[m] = 1 + np.float32(0.07) * np.sin(u * np.float32(2.2))
    c32 = cents.astype(np.float32)
    side = np.sign(
        (xx - c32[li, 0]).astype(np.float64) * normals[li, 0] + (yy - c32[li, 1]).astype(np.float64) * normals[li, 1]
    )
    shade = 1 + gable_sign[li] * side
    val = rgbs[li].astype(np.float64) * (tex.astype(np.float64) * shade)[:, None]
    # Eaves: a roof's pixels with a 4-neighbour outside it (or outside the image).
    pad = np.pad(lab, 1)
    eave = (
        (pad[:-2, 1:-1] != pad[1:-1, 1:-1])
        | (pad[2:, 1:-1] != pad[1:-1, 1:-1])
        | (pad[1:-1, :-2] != pad[1:-1, 1:-1])
        | (pad[1:-1, 2:] != pad[1:-1, 1:-1])
    )[sel]
    val[eave] *= 0.8
    img[sel] = val


def render_epoch(
    layout: Layout,
    epoch: int,
    *,
    seed: int,
    season: float = 0.0,
    sun_azimuth_deg: float = 135.0,
    sun_elevation_deg: float = 55.0,
    exposure: tuple[float, float, float] = (1.0, 0.0, 0.0),
    noise: float = 3.0,
    cars: int | None = None,
) -> np.ndarray:
    """The (H, W, 3) uint8 image of `layout` as it stood at `epoch`.

    season 0 = wet (green), 1 = dry (yellowed grass); exposure = (contrast gain, brightness offset, haze 0–1);
    cars: how many to park on the roads (None: one per ~60 m of road). `seed` drives what changes per
    acquisition (noise, cars); the ground's pattern comes from `layout.seed` and is the same in every epoch.
    """
    h, w, px = layout.height, layout.width, layout.pixel_m
    shape = (h, w)
    ground_rng = np.random.default_rng(layout.seed)
    rng = np.random.default_rng(seed)
    # Ground: grass and bare soil mixed by a smooth field, with fine texture; the season yellows the grass.
    mix = np.clip(_noise(ground_rng, h, w, 60 / px) * 1.6 + 0.1, 0, 1)[..., None]
    grass = GRASS * (1 - season) + DRY_GRASS * season
    img = grass * (1 - mix) + SOIL * mix
    img = img * (1 + 0.10 * _noise(ground_rng, h, w, 4 / px)[..., None])
    img += 6 * ground_rng.standard_normal((h, w, 1)).astype(np.float32)
    if layout.soil:
        soil = _burn([p for p, e in layout.soil if e <= epoch], shape).astype(bool)
        img[soil] = SOIL * (0.95 + 0.1 * rng.random())
    if layout.water:
        wmask = _burn(list(layout.water), shape).astype(bool)
        img[wmask] = WATER + 4 * _noise(ground_rng, h, w, 8)[wmask][:, None]
    road_polys = [line.buffer(width / 2 / px, cap_style="flat") for line, width in layout.roads]
    if road_polys:
        rmask = _burn(road_polys, shape).astype(bool)
        img[rmask] = ASPHALT * (1 + 0.05 * _noise(ground_rng, h, w, 3)[rmask][:, None])
        n_cars = cars if cars is not None else int(sum(line.length for line, _ in layout.roads) * px / 60)
        car_polys = []
        for _ in range(n_cars):
            line, width = layout.roads[int(rng.integers(len(layout.roads)))]
            t = rng.random() * line.length
            p0, p1 = line.interpolate(t), line.interpolate(min(line.length, t + 1))
            ang = math.degrees(math.atan2(p1.y - p0.y, p1.x - p0.x))
            side = (rng.random() - 0.5) * width * 0.5 / px
            car = box(-2.2 / px, -0.9 / px, 2.2 / px, 0.9 / px)
            car = affinity.translate(affinity.rotate(car, ang, origin=(0, 0)), p0.x, p0.y + side)
            car_polys.append(car)
        if car_polys:
            colours = rng.integers(30, 240, (len(car_polys), 3))
            cid = _burn(car_polys, shape, "int32", list(range(1, len(car_polys) + 1)))
            sel = cid > 0
            img[sel] = colours[cid[sel] - 1]
    # Shadows first (they fall on the ground, then roofs and crowns are drawn over them).
    standing = [b for b in layout.buildings if b.stands(epoch)]
    grow = 1 + layout.tree_growth * epoch
    crowns = []
    if layout.trees:
        centres = shapely.points([(c.x, c.y) for c, _ in layout.trees])
        crowns = list(shapely.buffer(centres, np.array([r * grow / px for _, r in layout.trees]), quad_segs=6))
    shadows = []
    if standing:
        fps = np.array([b.footprint for b in standing], dtype=object)
        offs = np.array([_shadow_offset(b.height_m, px, sun_azimuth_deg, sun_elevation_deg) for b in standing])
        shadows += list(shapely.convex_hull(shapely.union(fps, _translate(fps, offs))))
    if crowns:
        offs = np.array(
            [_shadow_offset(r * 1.6 * grow, px, sun_azimuth_deg, sun_elevation_deg) for _, r in layout.trees]
        )
        shadows += list(_translate(np.array(crowns, dtype=object), offs))
    if shadows:
        smask = _burn(shadows, shape).astype(bool)
        img[smask] = img[smask] * 0.42 + np.array([4, 8, 18], np.float32)
    if crowns:
        cmask = _burn(crowns, shape).astype(bool)
        # Sunlit side of a crown brighter: a shade field from the gradient of the smoothed crown mask.
        soft = ndimage.gaussian_filter(cmask.astype(np.float32), 2.0)
        gy, gx = np.gradient(soft)
        az = math.radians(sun_azimuth_deg)
        lit = gx * math.sin(az) - gy * math.cos(az)
        leaf = 1 + 0.22 * _noise(ground_rng, h, w, 1.5) + 2.5 * lit
        tree = TREE * (1 - 0.3 * season) + DRY_GRASS * 0.3 * season
        img[cmask] = tree * leaf[cmask][:, None]
    if standing:
        _draw_roofs(img, layout, standing, epoch, sun_azimuth_deg)
    # The acquisition: exposure, haze, sensor blur and noise.
    gain, offset, haze = exposure
    img = img * gain + offset
    img = img * (1 - haze) + HAZE * haze
    img = ndimage.gaussian_filter(img, sigma=(0.6, 0.6, 0))
    img += noise * rng.standard_normal(img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def id_hash(b: Building) -> int:
    """A stable small integer for a building (its footprint's position), for its roof texture."""
    c = b.footprint.centroid
    return int(c.x * 31 + c.y * 17) % 100_003


def new_structures_mask(layout: Layout, before_epoch: int, after_epoch: int) -> np.ndarray:
    """Pixels of buildings standing at after_epoch that did not stand at before_epoch."""
    shapes = [b.footprint for b in layout.buildings if b.stands(after_epoch) and not b.stands(before_epoch)]
    return _burn(shapes, (layout.height, layout.width)).astype(bool)


def _rect(cx: float, cy: float, w: float, h: float, angle: float) -> Polygon:
    return affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), angle, origin=(cx, cy))


class _Grid:
    """Geometries bucketed in 64 px cells: `near` returns those whose boxes share a cell with the query's."""

    CELL = 64

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.items: list = []

    def _keys(self, geom) -> list[tuple[int, int]]:
        x0, y0, x1, y1 = (int(v // self.CELL) for v in geom.bounds)
        return [(i, j) for i in range(x0 - 1, x1 + 2) for j in range(y0 - 1, y1 + 2)]

    def add(self, geom) -> None:
        self.items.append(geom)
        for k in self._keys(geom):
            self.cells.setdefault(k, []).append(len(self.items) - 1)

    def near(self, geom) -> list:
        ids = sorted({i for k in self._keys(geom) for i in self.cells.get(k, ())})
        return [self.items[i] for i in ids]


def random_layout(rng: np.random.Generator, size: int, pixel_m: float) -> Layout:
    """A random neighbourhood: roads, houses of varied roofs along them, trees, maybe a canal; epochs 0 and 1."""
    px = pixel_m
    layout = Layout(size, size, pixel_m, seed=int(rng.integers(2**31)))
    base_angle = float(rng.uniform(0, 180))
    for k in range(int(rng.integers(1, 4))):
        ang = math.radians(base_angle + 90 * (k % 2) + rng.normal(0, 4))
        c = rng.uniform(0.15, 0.85, 2) * size
        d = np.array([math.cos(ang), math.sin(ang)]) * size * 1.5
        layout.roads.append((LineString([tuple(c - d), tuple(c + d)]), float(rng.uniform(5, 12))))
    if rng.random() < 0.3:
        c = rng.uniform(0, size, 2)
        layout.water.append(Point(*c).buffer(rng.uniform(15, 40) / px).simplify(2))
    fixed = [line.buffer(wd / 2 / px + 2 / px) for line, wd in layout.roads] + list(layout.water)
    houses = _Grid()  # the placed footprints, bucketed: a 1 km² scene holds thousands
    n_target = int(rng.integers(15, 45) * (size / 512) ** 2 * (0.5 / px) ** 2 + 4)
    for _ in range(n_target * 4):
        if len(layout.buildings) >= n_target:
            break
        w, h = rng.uniform(6, 22) / px, rng.uniform(6, 16) / px
        cx, cy = rng.uniform(0, size, 2)
        ang = base_angle + rng.choice([0, 90]) + rng.normal(0, 3) if rng.random() < 0.8 else rng.uniform(0, 180)
        poly = _rect(cx, cy, w, h, ang)
        if rng.random() < 0.25:  # an L-shape: a wing on one corner
            wing = _rect(cx + w / 2, cy + h / 2, w * 0.5, h * 0.9, 0)
            poly = poly.union(affinity.rotate(wing, ang, origin=(cx, cy)))
            if poly.geom_type != "Polygon":
                continue
        grown = poly.buffer(1.5 / px)
        if any(grown.intersects(o) for o in fixed) or any(grown.intersects(o) for o in houses.near(grown)):
            continue
        base, _ = ROOF_PALETTE[int(rng.integers(len(ROOF_PALETTE)))]
        red, green, blue = (int(np.clip(v + rng.normal(0, 10), 0, 255)) for v in base)
        rgb = (red, green, blue)
        r = rng.random()
        first, last = (1, None) if r < 0.22 else ((0, 0) if r < 0.3 else (0, None))
        b = Building(poly, rgb, height_m=float(rng.uniform(3.5, 14)), first_epoch=first, last_epoch=last)
        if first == 0 and last is None and rng.random() < 0.1:
            b.repaint = (1, ROOF_PALETTE[int(rng.integers(len(ROOF_PALETTE)))][0])
        if last == 0:  # the demolished site is bare soil afterwards
            layout.soil.append((poly.buffer(1 / px), 1))
        if first == 1 and rng.random() < 0.4:  # a construction site before: soil already cleared
            layout.soil.append((poly.buffer(2 / px), 0))
        layout.buildings.append(b)
        houses.add(poly)
    for _ in range(int(rng.integers(2, 5))):  # soil appearing that is not a building (earthworks, fields)
        c = rng.uniform(0, size, 2)
        patch = _rect(c[0], c[1], rng.uniform(8, 30) / px, rng.uniform(8, 30) / px, rng.uniform(0, 180))
        if not any(patch.intersects(o) for o in fixed + houses.near(patch)):
            layout.soil.append((patch, int(rng.integers(0, 2))))
    for _ in range(int(rng.integers(20, 70) * (size / 512) ** 2)):
        c = Point(*rng.uniform(0, size, 2))
        r = float(rng.uniform(1.5, 5.5))
        crown = c.buffer(r / px)
        if not any(crown.intersects(o) for o in fixed[: len(layout.roads)] + layout.water):
            if not any(c.distance(f) < r / px for f in houses.near(crown)):
                layout.trees.append((c, r))
    layout.tree_growth = float(rng.uniform(0, 0.25))
    return layout


def synthetic_pair(seed: int, size: int = 512, pixel_m: float = 0.5) -> ScenePair:
    """A deterministic random scene pair (same seed → same pixels): epoch 0 before, epoch 1 after."""
    rng = np.random.default_rng(seed)
    layout = random_layout(rng, size, pixel_m)
    az0 = float(rng.uniform(100, 170))
    epochs = []
    for e in (0, 1):
        az = az0 if e == 0 else float(az0 + rng.uniform(-40, 40))
        exposure = (float(rng.uniform(0.85, 1.15)), float(rng.uniform(-15, 15)), float(rng.uniform(0, 0.2)))
        epochs.append(
            render_epoch(
                layout,
                e,
                seed=seed * 2 + e,
                season=float(rng.uniform(0, 1)),
                sun_azimuth_deg=az,
                sun_elevation_deg=float(rng.uniform(40, 72)),
                exposure=exposure,
                noise=float(rng.uniform(2, 5)),
            )
        )
    change = new_structures_mask(layout, 0, 1)
    # Misregistration: the later photo sits up to 2 px off (sub-pixel, bilinear); its label moves with it.
    shift = rng.uniform(-2, 2, 2)
    after = ndimage.shift(epochs[1].astype(np.float32), (shift[0], shift[1], 0), order=1, mode="nearest")
    change = ndimage.shift(change.astype(np.float32), shift, order=1, mode="nearest") >= 0.5
    return ScenePair(epochs[0], np.clip(after + 0.5, 0, 255).astype(np.uint8), change, layout)
