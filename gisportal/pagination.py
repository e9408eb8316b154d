"""Pages of a list: GeoJSON pages (rest_framework_gis) described as they are, and numbered pages of a log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from rest_framework_gis.pagination import GeoJsonPagination

from gisportal.openapi import geojson_page_schema


class GeoJsonPages(GeoJsonPagination):
    def get_paginated_response_schema(self, schema: dict) -> dict:
        return geojson_page_schema(schema)


def numbered_page(rows: QuerySet, page: int, size: int, item: Callable[[Any], dict]) -> dict:
    """Page ``page`` of ``size`` rows as the log endpoints answer it: the total count beside the page's items."""
    total = rows.count()
    return {
        "count": total,
        "page": page,
        "page_size": size,
        "results": [item(row) for row in rows[(page - 1) * size : page * size]],
    }
