"""The QR code of a report: a PNG of its public page's absolute URL (segno, pure Python)."""

from __future__ import annotations

import io

import segno
from django.http import HttpRequest
from django.urls import reverse


def public_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("report-page", kwargs={"code": code}))


def png(url: str, scale: int = 8) -> bytes:
    """Error correction M survives a smudged print; a 4-module quiet zone as the standard asks."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
