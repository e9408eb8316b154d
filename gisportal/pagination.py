"""GeoJSON pages (rest_framework_gis) described as they are: a FeatureCollection with counts and links."""

from __future__ import annotations

from rest_framework_gis.pagination import GeoJsonPagination

from gisportal.openapi import geojson_page_schema


class GeoJsonPages(GeoJsonPagination):
    def get_paginated_response_schema(self, schema: dict) -> dict:
        return geojson_page_schema(schema)
