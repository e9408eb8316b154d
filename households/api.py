from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gisportal.errors import InvalidInput
from households.models import Street


class StreetSerializer(GeoFeatureModelSerializer):
    class Meta:
        model = Street
        geo_field = "geom"
        fields = ["id", "name", "ward", "version"]


@extend_schema(parameters=[OpenApiParameter("ward", OpenApiTypes.INT)])
class StreetList(generics.ListAPIView):
    """Streets, each keyed with its ward."""

    serializer_class = StreetSerializer

    def get_queryset(self):
        qs = Street.objects.all()
        if ward := self.request.query_params.get("ward"):
            if not ward.isdigit():
                raise InvalidInput("ward phải là số.", "ward must be an integer id.")
            qs = qs.filter(ward_id=int(ward))
        return qs
