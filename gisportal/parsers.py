"""Request bodies the portal reads: DRF's parsers, refusing NUL characters anywhere in what they decode.

PostgreSQL cannot store NUL (U+0000) in text: a string carrying one reached the database and failed there,
a 500, on every write that stored what it was sent (a layer feature's name, a report's description). One
check here covers every JSON, form and multipart body, before any view sees it.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if hasattr(value, "lists"):  # a QueryDict: every value of every key
        return any(_has_nul(k) or _has_nul(v) for k, v in value.lists())
    return False


def _refuse_nul(data: Any) -> Any:
    if _has_nul(getattr(data, "data", data)):
        raise ParseError("Dữ liệu chứa ký tự NUL (\\u0000). / The data contains a NUL character (\\u0000).")
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_nul(super().parse(stream, media_type, parser_context))
