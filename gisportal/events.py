"""Live changes for leaders' maps and figures: server-sent events fed by PostgreSQL LISTEN/NOTIFY.

Triggers (gisportal migration 0002) send one notification per statement on the `portal_changes`
channel: the layer, the operation, the wards touched and how many rows. No field values travel,
so nothing private can leak; each listener receives only the wards it serves. A stream ends
after `max_seconds` and the browser's EventSource reconnects by itself (`retry`), so a worker
thread is never held for ever.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import psycopg
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse

from gisportal.errors import json_error
from gisportal.permissions import follows_changes, ward_ids

CHANNEL = "portal_changes"
MAX_SECONDS = 300


def _conninfo() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"]
    )


def relevant(payload: dict, scope: set[int] | None) -> bool:
    """Whether a change concerns the wards this listener serves (None = every ward)."""
    wards = payload.get("wards")
    return scope is None or wards is None or bool(scope.intersection(wards))


def stream(scope: set[int] | None, max_seconds: float) -> Iterator[str]:
    """SSE lines: a greeting, then one `change` event per relevant notification, heartbeats between."""
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        yield "retry: 3000\n: connected\n\n"
        deadline = time.monotonic() + max_seconds
        while (left := deadline - time.monotonic()) > 0:
            got = False
            for note in conn.notifies(timeout=min(settings.EVENTS_HEARTBEAT_S, left)):
                got = True
                payload = json.loads(note.payload)
                if relevant(payload, scope):
                    yield f"event: change\ndata: {json.dumps(payload)}\n\n"
            if not got:
                yield ": keep-alive\n\n"


def events(request: HttpRequest):
    """GET /api/v1/events: a text/event-stream of changes in the caller's wards."""
    if not request.user.is_authenticated:
        return json_error(401, "not_authenticated", "Bạn cần đăng nhập.", "Please log in.")
    if not follows_changes(request.user):
        return json_error(
            403, "permission_denied", "Vai trò này không theo dõi thay đổi.", "This role does not follow live changes."
        )
    raw = request.GET.get("max_seconds", "60")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SECONDS:
        return json_error(
            400,
            "invalid_input",
            f"max_seconds phải là số nguyên từ 1 đến {MAX_SECONDS}.",
            f"max_seconds must be an integer from 1 to {MAX_SECONDS}.",
            {"max_seconds": raw},
        )
    response = StreamingHttpResponse(stream(ward_ids(request.user), int(raw)), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the events back
    return response
