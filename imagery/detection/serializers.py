"""How runs and flags are shown: plain JSON for runs, GeoJSON features for flags."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from imagery.detection.models import ChangeFlag, DetectionRun


class RunSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DetectionRun
        fields = [
            "id",
            "before",
            "after",
            "ward",
            "area_kind",
            "khu_pho",
            "status",
            "tiles_total",
            "tiles_done",
            "progress",
            "model_version",
            "flags_new",
            "flags_updated",
            "message",
            "message_en",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class FlagSerializer(GeoFeatureModelSerializer):
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    permit_no = serializers.SerializerMethodField()
    before_date = serializers.DateField(source="before.acquired_on", read_only=True)
    after_date = serializers.DateField(source="after.acquired_on", read_only=True)
    chips = serializers.SerializerMethodField()

    class Meta:
        model = ChangeFlag
        geo_field = "geom"
        fields = [
            "id",
            "ward",
            "run",
            "last_run",
            "before",
            "after",
            "before_date",
            "after_date",
            "area_m2",
            "score",
            "status",
            "permit",
            "permit_no",
            "structure",
            "earlier_flag",
            "note",
            "decided_by",
            "decided_at",
            "version",
            "created_at",
            "chips",
        ]

    def get_permit_no(self, obj: ChangeFlag) -> str | None:
        return obj.permit.permit_no if obj.permit else None

    def get_chips(self, obj: ChangeFlag) -> dict:
        base = f"/api/v1/detection/flags/{obj.pk}/chip"
        return {"before": f"{base}/before.png", "after": f"{base}/after.png"}
