"""OGC API – Features pages built by PostgreSQL: the feature SQL of every registry layer, written once.

A page is one query: each row becomes its GeoJSON Feature text in SQL (`ST_AsGeoJSON` for the
geometry, `to_json` for each public field, concatenated as text so nothing is parsed again) and
`string_agg` joins them; Python only wraps the bytes PostgreSQL sent in the FeatureCollection
envelope. Fields read through a foreign key are written once per related row (a memoized lateral
subquery), not once per feature. At 1M businesses the service builds a page in 0.6-0.7× the time
of a bare `json_agg(ST_AsGeoJSON(t.*))` over the same rows, where a DRF serializer takes 25-40×
longer (bench/features.py measures all three).

Pages are keyset-paged on the primary key (`id > after`, the `next` link carries it), so page 1,000
of a million rows costs what page 1 costs. A response of more than STREAM_OVER features is streamed
in chunks of CHUNK, each its own keyset query: constant memory whatever the limit.

Public fields only, through the layer's `public_filter`, for every reader (as the tiles): officers
read private fields from the editor's API (`layers/api/features.py`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from psycopg import sql
from psycopg.adapt import Loader

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from layers import registry
from layers.registry import Layer

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000  # a file export's ceiling (layers/files/api.py)
# One items page: the standard's rule is to serve the maximum, not refuse, when more is asked for. Pages
# over STREAM_OVER are streamed (memory stays flat), so the cap bounds time, not memory.
ITEMS_MAX_LIMIT = 50_000
# Deeper pages cost a scan of every row before them: page on with `after` (the next link does).
MAX_OFFSET = 100_000
STREAM_OVER = 10_000  # responses of more features are streamed
CHUNK = 5_000
PRECISION = 7  # decimal degrees: ~1 cm, the data's own accuracy at best
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _column(layer: Layer, f: registry.Field) -> sql.Composable:
    """A public field's column: on `t`, or on the lateral row of its foreign key (`j_<fk>`), or its expression."""
    if f.expr:  # a ward-defined layer's value in the JSONB (layers/themes), cast to its type
        return sql.SQL(f.expr)
    return sql.Identifier(f"j_{f.via}" if f.via else "t", layer.field_column(f))


def _member(key: str, value: sql.Composable) -> sql.Composed:
    return sql.SQL("{} || coalesce(to_json({})::text, 'null')").format(sql.Literal(key), value)


def feature_sql(layer: Layer) -> tuple[sql.Composed, sql.Composed]:
    """(FROM … clause with joins, the Feature text expression) of a layer's rows aliased `t`."""
    # Compact JSON, one value at a time (json_build_object would write `"a" : 1, "b" : 2`, 10 % more bytes).
    members: list[sql.Composable] = []
    related: dict[str, dict[str, sql.Composable]] = {}  # foreign key → output name → its lateral row's column
    for i, f in enumerate(layer.public_fields):
        key = ('{"' if i == 0 else ',"') + f.name + '":'
        if not f.via:
            members.append(_member(key, _column(layer, f)))
            continue
        column = layer.field_column(f)
        json_name = f"{f.name}:json"  # a name no column has
        cols = related.setdefault(f.via, {})
        cols[column] = sql.Identifier("j", column)  # for filters on the property
        cols[json_name] = _member(key, sql.Identifier("j", column))
        # No related row (a NULL foreign key): the member is still there, with null.
        members.append(
            sql.SQL("coalesce({}, {})").format(sql.Identifier(f"j_{f.via}", json_name), sql.Literal(key + "null"))
        )
    members = members or [sql.Literal("{")]
    # A related row's members are written in its lateral subquery, which the planner memoizes per key:
    # a page of 1,000 businesses escapes 20 industries' names instead of 1,000 (3.0 → 2.3 ms in SQL,
    # bench/features.py). OFFSET 0 keeps the subquery from being flattened into a plain join, which
    # would evaluate the members again for every row.
    joins = []
    for via, cols in related.items():
        fk = registry.foreign_key(layer.model, via)
        joins.append(
            sql.SQL(
                " LEFT JOIN LATERAL (SELECT {cols} FROM {table} j WHERE j.{pk} = t.{fk} OFFSET 0) {alias} ON true"
            ).format(
                cols=sql.SQL(", ").join(sql.SQL("{} AS {}").format(v, sql.Identifier(k)) for k, v in cols.items()),
                table=sql.Identifier(fk.related_model._meta.db_table),
                pk=sql.Identifier(registry.column(fk.related_model, fk.related_model._meta.pk.name)),
                fk=sql.Identifier(layer.column(via)),
                alias=sql.Identifier(f"j_{via}"),
            )
        )
    geom = sql.Identifier("t", layer.column(layer.geom_field))
    pk = sql.Identifier("t", layer.id_column)
    expression = sql.SQL(
        """'{{"type":"Feature","id":' || {pk} || ',"geometry":' || ST_AsGeoJSON({geom}, {precision})
        || ',"properties":' || {members} || '}}}}'"""
    ).format(pk=pk, geom=geom, precision=sql.Literal(PRECISION), members=sql.SQL(" || ").join(members))
    source = sql.SQL("{table} t{joins}").format(table=sql.Identifier(layer.table), joins=sql.Composed(joins))
    return source, expression


@dataclass
class Query:
    """A parsed items request: what to select and how many."""

    limit: int = DEFAULT_LIMIT
    after: int = 0
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    props: dict[str, Any] = field(default_factory=dict)  # public field name → Python value

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"after": self.after, "offset": self.offset}
        if self.bbox:
            out.update(zip(("w", "s", "e", "n"), self.bbox, strict=True))
        out.update({f"p_{name}": value for name, value in self.props.items()})
        return out


@cache
def _page_sql(name: str, revision: Hashable, bbox: bool, props: tuple[str, ...], offset: bool) -> str:
    """One page: (features text, count, last id). Rendered once per shape of query, layer revision and process."""
    layer = registry.known(name)
    source, expression = feature_sql(layer)
    pk = sql.Identifier("t", layer.id_column)
    where = [sql.SQL("({})").format(sql.SQL(layer.public_filter)), sql.SQL("{} > %(after)s").format(pk)]
    if bbox:
        geom = sql.Identifier("t", layer.column(layer.geom_field))
        where.append(sql.SQL("{} && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)").format(geom))
    by_name = {f.name: f for f in layer.public_fields}
    for p in props:
        where.append(sql.SQL("{} = {}").format(_column(layer, by_name[p]), sql.Placeholder(f"p_{p}")))
    # The aggregate reads the sorted subquery in order: PostgreSQL documents that this works when the
    # outer level adds no join, as here. `string_agg(… ORDER BY s.id)` would sort the page's text again
    # (~0.5 ms of 3.5 for 1,000 features: PostgreSQL 15 does not see that the input is sorted).
    return (
        sql.SQL(
            """SELECT string_agg(s.f, ','), count(*), max(s.id) FROM (
  SELECT {pk} AS id, {expression} AS f FROM {source}
   WHERE {where} ORDER BY {pk} LIMIT %(limit)s{offset}) s"""
        )
        .format(
            pk=pk,
            expression=expression,
            source=source,
            where=sql.SQL(" AND ").join(where),
            offset=sql.SQL(" OFFSET %(offset)s") if offset else sql.SQL(""),
        )
        .as_string()
    )


class _Utf8(Loader):
    """Text as the UTF-8 bytes PostgreSQL sent: a page goes out as it came in, never decoded and re-encoded
    (8 ms of a 10,000-feature page, bench/features.py)."""

    def load(self, data) -> bytes:
        return bytes(data)


def page(layer: Layer, q: Query, limit: int) -> tuple[bytes, int, int | None]:
    """(comma-joined Feature JSON, how many, last id) for `limit` rows after `q.after`."""
    with connection.cursor() as cur:
        query = _page_sql(layer.name, layer.revision, q.bbox is not None, tuple(q.props), q.offset > 0)
        cur.cursor.adapters.register_loader("text", _Utf8)  # this cursor only
        cur.execute(query, {**q.params(), "limit": limit})
        text, count, last = cur.fetchone()
    return text or b"", count, last


def chunks(layer: Layer, q: Query) -> Iterator[tuple[bytes, int, int | None]]:
    """The rows of `q` in keyset chunks of CHUNK features, up to `q.limit` in all."""
    left, after, offset = q.limit, q.after, q.offset
    while left > 0:
        chunk = Query(limit=q.limit, after=after, offset=offset, bbox=q.bbox, props=q.props)
        text, count, last = page(layer, chunk, min(CHUNK, left))
        if count:
            yield text, count, last
        if count < min(CHUNK, left) or last is None:  # a full chunk always has a last id
            return
        left -= count
        after, offset = last, 0


@cache
def _item_sql(name: str, revision: int) -> str:
    layer = registry.known(name)
    source, expression = feature_sql(layer)
    version = sql.SQL("t.version") if hasattr(layer.model, "version") else sql.SQL("NULL")
    return (
        sql.SQL("SELECT {expression}, {version} FROM {source} WHERE ({filter}) AND {pk} = %(id)s")
        .format(
            expression=expression,
            version=version,
            source=source,
            filter=sql.SQL(layer.public_filter),
            pk=sql.Identifier("t", layer.id_column),
        )
        .as_string()
    )


def item(layer: Layer, pk: str) -> tuple[str, int | None] | None:
    """(Feature text, version) of one public feature, or None."""
    if not is_whole(pk):
        return None
    with connection.cursor() as cur:
        cur.execute(_item_sql(layer.name, layer.revision), {"id": int(pk)})
        row = cur.fetchone()
    return (row[0], row[1]) if row else None


# --- parsing the query string ----------------------------------------------------------------------

KNOWN = {"limit", "bbox", "bbox-crs", "datetime", "f", "after", "offset"}


def _bad(param: str, raw: str, vi: str, en: str) -> InvalidInput:
    return InvalidInput(f"Tham số {param}='{raw}' {vi}", f"Parameter {param}={raw!r} {en}", {param: raw})


def _int(params: Any, name: str, default: int, hi: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not is_whole(raw, 12):
        raise _bad(name, raw, "phải là số nguyên không âm.", "must be a non-negative integer.")
    return min(int(raw), hi)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """`west,south,east,north` in CRS84 (a 6-number 3D box keeps its horizontal part)."""
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise _bad("bbox", raw, "phải là 4 số: tây,nam,đông,bắc.", "must be four numbers: west,south,east,north.")
    w, s, e, n = values
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90) or w > e:
        raise _bad(
            "bbox",
            raw,
            "sai thứ tự hoặc ngoài phạm vi (tây ≤ đông, nam ≤ bắc, WGS 84).",
            "is out of range or in the wrong order (west ≤ east, south ≤ north, WGS 84).",
        )
    return w, s, e, n


def parse_query(layer: Layer, params: Any, max_limit: int = ITEMS_MAX_LIMIT) -> Query:
    """The items query, or a 400 naming the parameter (an unknown one included, as the standard asks)."""
    by_name = {f.name: f for f in layer.public_fields}
    unknown = [k for k in params if k not in KNOWN and k not in by_name]
    if unknown:
        raise InvalidInput(
            "Tham số không được hỗ trợ: " + ", ".join(unknown) + ".",
            "Unsupported parameters: " + ", ".join(unknown) + ".",
            {"unknown": unknown, "properties": list(by_name)},
            code="unknown_parameter",
        )
    crs = params.get("bbox-crs")
    if crs and crs != CRS84:
        raise _bad("bbox-crs", crs, f"không được hỗ trợ; chỉ {CRS84}.", f"is not supported; only {CRS84}.")
    if params.get("f") not in (None, "", "json", "geojson"):
        raise _bad("f", params.get("f"), "không được hỗ trợ (json).", "is not supported (json).")
    q = Query(
        limit=max(1, _int(params, "limit", DEFAULT_LIMIT, max_limit)),
        after=_int(params, "after", 0, 2**63 - 1),
        offset=_int(params, "offset", 0, 2**63 - 1),
    )
    if q.offset > MAX_OFFSET:
        raise _bad(
            "offset",
            str(q.offset),
            f"tối đa {MAX_OFFSET}; dùng liên kết trang sau (after).",
            f"is at most {MAX_OFFSET}; follow the next link (after).",
        )
    if raw := params.get("bbox"):
        q.bbox = parse_bbox(raw)
    # `datetime`: none of the layers has a temporal extent, so it selects nothing away (the standard's rule).
    for name, f in by_name.items():
        if name not in params:
            continue
        raw = params.get(name)
        try:
            value = layer.model_field(f).to_python(raw)
        except ValidationError:
            raise _bad(name, raw, "không đúng kiểu của thuộc tính.", "does not match the property's type.") from None
        q.props[name] = value
    return q
