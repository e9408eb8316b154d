"""What a GeoJSON Feature sent to the portal may hold: the one refusal of members a writer does not read."""

from __future__ import annotations

from gisportal.errors import InvalidInput


def refuse_unknown_members(feature: dict, accepted: set[str]) -> None:
    """A Feature's members beyond `accepted` are refused, not ignored: ignored, a body of any size was parsed and
    taken as if plain (a 10 MB "padding" member, say)."""
    if unknown := sorted(set(feature) - accepted):
        raise InvalidInput(
            f"Feature có thành phần không nhận: {', '.join(unknown)[:200]}.",
            f"The Feature has members not accepted: {', '.join(unknown)[:200]}.",
            {"members": unknown[:20]},
            code="unknown_members",
        )
