"""A business household as the API shows it (GeoJSON, private fields by role) and as an officer registers one."""

from __future__ import annotations

import re

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from businesses.models import Business, Industry
from gisportal import field_errors
from gisportal.errors import InvalidInput
from gisportal.feature_body import refuse_unknown_members
from gisportal.permissions import PrivateFieldsMixin
from gisportal.text import nfc, text_problem
from layers.crs import check_lon_lat

# A tag or a comment opener: text fields are shown in pages and popups, never as markup.
_HTML = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]|&#?\w+;")
_PHONE = re.compile(r"^[0-9+() .\-]*$")
FEATURE_MEMBERS = {"type", "id", "geometry", "properties", "bbox", "version"}
TEXT_FIELDS = (
    "registration_no",
    "signboard",
    "owner_name",
    "owner_phone",
    "address_current",
    "address_legacy",
    "street_block",
)
# Each field as the editor's form labels it (frontend/templates/frontend/business_editor.html): refusals name
# the field by it, in Vietnamese and English (gisportal/field_errors.py), never by its code.
FIELD_LABELS = {
    "registration_no": _("Registration number"),
    "signboard": _("Signboard name"),
    "industry": _("Main industry"),
    "industry_code": _("Industry code"),
    "vsic": _("VSIC version"),
    "section": _("Industry section"),
    "owner_name": _("Owner"),
    "owner_phone": _("Phone"),
    "address_current": _("Address"),
    "address_legacy": _("Former address"),
    "ward": _("Ward"),
    "khu_pho": _("Khu phố"),
    "street_block": _("Street block"),
    "status": _("Status"),
    "registered_on": _("Registered on"),
    "status_changed_on": _("Status changed on"),
    "licences": _("Licences"),
    "geom": _("Position"),
    "geometry": _("Position"),
}


def _refuse(name: str, vi: str, en: str, code: str = "invalid_input") -> InvalidInput:
    return field_errors.field_refused(name, vi, en, field_errors.labels_of(FIELD_LABELS), code)


class BusinessSerializer(PrivateFieldsMixin, GeoFeatureModelSerializer):
    field_labels = FIELD_LABELS  # read by gisportal.field_errors for DRF's own refusals

    class Meta:
        model = Business
        geo_field = "geom"
        fields = [
            "id",
            "registration_no",
            "signboard",
            "industry",
            "section",
            "address_current",
            "address_legacy",
            "ward",
            "khu_pho",
            "street_block",
            "house_number",
            "status",
            "registered_on",
            "status_changed_on",
            "licences",
            "owner_name",
            "owner_phone",
            "version",
        ]
        read_only_fields = ["id", "section", "house_number", "version"]

    def unformat_geojson(self, feature):
        # A Feature whose members are not objects (a form post, `"properties": "…"`) was a TypeError, a 500.
        if not isinstance(feature, dict) or not isinstance(feature.get("properties", {}), dict):
            raise InvalidInput(
                "Nội dung phải là một GeoJSON Feature (properties là một đối tượng).",
                "The body must be a GeoJSON Feature (properties an object).",
                code="not_a_feature",
            )
        refuse_unknown_members(feature, FEATURE_MEMBERS)
        if feature.get("geometry") is not None and not isinstance(feature["geometry"], dict):
            raise _refuse("geometry", "Không phải GeoJSON hợp lệ.", "Not valid GeoJSON.")
        return super().unformat_geojson(feature)

    def validate(self, attrs: dict) -> dict:
        """Text as people type it, on every write (a PATCH stored HTML and bidi controls; only creation checked)."""
        for name in TEXT_FIELDS:
            if name not in attrs:
                continue
            value = nfc(attrs[name] or "")
            if _HTML.search(value):
                raise _refuse(name, "Không được chứa mã HTML.", "May not contain HTML.", "html_not_allowed")
            if problem := text_problem(value):
                code, vi, en = problem
                raise _refuse(name, vi[:1].upper() + vi[1:], en[:1].upper() + en[1:], code)
            attrs[name] = value
        if "owner_phone" in attrs and not _PHONE.match(attrs["owner_phone"]):
            raise _refuse(
                "owner_phone",
                "Số điện thoại chỉ gồm chữ số, dấu cách, + - ( ).",
                "A phone number holds only digits, spaces and + - ( ).",
            )
        return attrs


class BusinessCreateSerializer(BusinessSerializer):
    """What an officer sends to register a business: the ward and khu phố may be left to the point."""

    industry_code = serializers.CharField(write_only=True, required=False, max_length=6)
    vsic = serializers.ChoiceField(Industry.Version.choices, write_only=True, required=False)

    class Meta(BusinessSerializer.Meta):
        fields = [*BusinessSerializer.Meta.fields, "industry_code", "vsic"]
        extra_kwargs = {
            # Uniqueness is answered as a 409 with the number named (see `create`), not a field error.
            "registration_no": {"validators": []},
            "ward": {"required": False},
            "industry": {"required": False},
        }

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        for name in ("registration_no", "signboard", "owner_name", "address_current"):
            if not attrs.get(name):
                raise _refuse(name, *field_errors.message("required"))
        if not _PHONE.match(attrs.get("owner_phone", "")):
            raise _refuse(
                "owner_phone",
                "Số điện thoại chỉ gồm chữ số, dấu cách, + - ( ).",
                "A phone number holds only digits, spaces and + - ( ).",
            )
        attrs["industry"] = self._industry(attrs)
        attrs["geom"] = self._point(attrs.get("geom"))
        return attrs

    @staticmethod
    def _industry(attrs: dict) -> Industry:
        code = attrs.pop("industry_code", None)
        version = attrs.pop("vsic", None) or Industry.Version.VSIC2018
        if code:
            found = Industry.objects.filter(version=version, code=code.strip()).first()
            if found is None:
                raise _refuse(
                    "industry_code",
                    f"Không có mã ngành {code} trong {version}.",
                    f"No industry code {code} in {version}.",
                    "unknown_industry",
                )
            return found
        if attrs.get("industry") is None:
            raise _refuse(
                "industry",
                "Chưa chọn ngành nghề chính (industry hoặc industry_code).",
                "The main industry is missing (industry or industry_code).",
            )
        return attrs["industry"]

    @staticmethod
    def _point(geom) -> Point:
        if geom is None:
            raise _refuse("geom", "Thiếu vị trí (geometry).", "The location (geometry) is missing.")
        if geom.geom_type != "Point" or geom.empty:
            raise _refuse("geom", "Vị trí phải là một điểm (Point).", "The location must be a Point.")
        if geom.srid not in (None, 4326):
            raise _refuse(
                "geom", "Tọa độ phải theo WGS 84 (kinh độ, vĩ độ).", "Coordinates must be WGS 84 (longitude, latitude)."
            )
        check_lon_lat(geom.x, geom.y)
        return Point(geom.x, geom.y, srid=4326)


class MissingSerializer(PrivateFieldsMixin, serializers.ModelSerializer):
    industry = serializers.CharField(source="industry.code")
    ward_name = serializers.CharField(source="ward.name")
    khu_pho_name = serializers.CharField(source="khu_pho.name", default=None)

    class Meta:
        model = Business
        fields = [
            "id",
            "registration_no",
            "signboard",
            "owner_name",
            "owner_phone",
            "industry",
            "section",
            "address_current",
            "ward",
            "ward_name",
            "khu_pho",
            "khu_pho_name",
            "status",
            "registered_on",
            "missing_from_sync_at",
            "version",
        ]
