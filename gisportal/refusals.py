"""The portal's error base, below everything that raises one: a code, a Vietnamese and an English message, details.

Its own module so that gisportal/field_errors.py (which builds refusals) and gisportal/errors.py (which maps every
exception onto the portal's answer, field_errors' included) do not import each other. Import them from
gisportal.errors, as the rest of the portal does.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status


class PortalError(exceptions.APIException):
    """Base error: a code, a Vietnamese and an English message, optional details."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "bad_request"

    def __init__(self, message: str, message_en: str, details: Any = None, code: str | None = None):
        self.message = message
        self.message_en = message_en
        self.details = details
        if code:
            self.code = code
        super().__init__(detail=message_en, code=self.code)


class InvalidInput(PortalError):
    """A parameter or a field is missing or malformed."""

    code = "invalid_input"
