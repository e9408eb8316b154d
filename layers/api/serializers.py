from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gisportal.permissions import PrivateFieldsMixin
from layers.models import POI, AdminUnit


class AdminUnitSerializer(PrivateFieldsMixin, GeoFeatureModelSerializer):
    class Meta:
        model = AdminUnit
        geo_field = "boundary"
        fields = [
            "id",
            "level",
            "kind",
            "code",
            "name",
            "parent",
            "successor",
            "successors",  # all of them: a ward split in 2025 has two or three
            "approximate",  # the boundary was pieced together from pre-2025 wards, one of them split
            "area_km2",
            "valid_from",
            "valid_to",
            "population",
            "head_name",
            "head_phone",
            "version",
        ]


class POISerializer(PrivateFieldsMixin, GeoFeatureModelSerializer):
    class Meta:
        model = POI
        geo_field = "geom"
        fields = ["id", "kind", "name", "address", "phone", "ward", "khu_pho", "version"]
