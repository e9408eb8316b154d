"""`/api/v1/me/`: who the portal thinks you are."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from gisportal.permissions import role_of, ward_ids


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def me(request) -> Response:
    """The current role and the wards it applies to (null = every ward)."""
    user = request.user
    wards = ward_ids(user)
    return Response(
        {
            "username": user.username if user.is_authenticated else None,
            "role": role_of(user).value,
            "wards": sorted(wards) if wards is not None else None,
        }
    )
