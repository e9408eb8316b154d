"""Live changes for leaders' maps and figures: server-sent events fed by PostgreSQL LISTEN/NOTIFY.

Triggers (gisportal migration 0002) send one notification per statement on the `portal_changes`
channel: the layer, the operation, the wards touched and how many rows. No field values travel,
so nothing private can leak; each listener receives only the wards it serves.

Under the ASGI server (`make run`, docker/) the view is async and every stream of a process shares
that process's one LISTEN connection (`event_hub.py`): no thread and no database connection per
viewer, heartbeats, `Last-Event-ID` resume, a slow client dropped. Under a WSGI server (Django's
test server) the same URL falls back to one connection per stream. Either way a stream ends after
`max_seconds` and the browser's EventSource reconnects by itself (`retry`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connection, connections
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

from gisportal import event_hub
from gisportal.errors import json_error
from gisportal.event_hub import CHANNEL, RESYNC, relevant
from gisportal.params import is_whole
from gisportal.permissions import follows_changes, ward_ids

__all__ = ["CHANNEL", "events", "relevant", "stream"]
MAX_SECONDS = 300


def _conninfo() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"]
    )


def stream(scope: set[int] | None, max_seconds: float) -> Iterator[str]:
    """WSGI fallback. SSE lines: a greeting, then one `change` event per relevant notification, heartbeats."""
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


async def astream(scope: set[int] | None, max_seconds: float, last_id: str | None) -> AsyncIterator[bytes]:
    """ASGI: the same stream from this process's hub, with event ids, resume and back-pressure."""
    # The session and role were read through the pool; Django hands that connection back only when the
    # response ends, i.e. after minutes: hand it back now (this request's thread is the one that holds it).
    await sync_to_async(connections.close_all)()
    hub = event_hub.hub(_conninfo)
    sub = await hub.subscribe(scope)
    try:
        yield f"retry: 3000\nid: {hub.event_id(hub.seq)}\n: connected\n\n".encode()
        if last_id:
            missed = hub.since(last_id, scope)
            if missed is None:
                yield hub.wire(None, RESYNC)
            elif missed:
                yield b"".join(missed)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds
        while (left := deadline - loop.time()) > 0 and not sub.dropped:
            try:
                async with asyncio.timeout(min(settings.EVENTS_HEARTBEAT_S, left)):
                    batch = [await sub.queue.get()]
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            while not sub.queue.empty():  # a burst goes out in one write
                batch.append(sub.queue.get_nowait())
            yield b"".join(wire for _, _, wire in batch)
    finally:
        hub.unsubscribe(sub)


def _access(user) -> tuple[bool, set[int] | None]:
    return follows_changes(user), ward_ids(user) if follows_changes(user) else set()


async def events(request: HttpRequest) -> HttpResponseBase:
    """GET /api/v1/events: a text/event-stream of changes in the caller's wards."""
    if request.method not in ("GET", "HEAD"):
        # A plain async view answers every method unless told: a write must not open a stream.
        refused = json_error(
            405, "method_not_allowed", "Phương thức không được hỗ trợ.", "Method not allowed.", {"allow": "GET"}
        )
        refused["Allow"] = "GET, HEAD"
        return refused
    user = await request.auser()
    if not user.is_authenticated:
        return json_error(401, "not_authenticated", "Bạn cần đăng nhập.", "Please log in.")
    follows, scope = await sync_to_async(_access)(user)
    if not follows:
        return json_error(
            403, "permission_denied", "Vai trò này không theo dõi thay đổi.", "This role does not follow live changes."
        )
    raw = request.GET.get("max_seconds", "60")
    if not is_whole(raw) or not 1 <= int(raw) <= MAX_SECONDS:
        return json_error(
            400,
            "invalid_input",
            f"max_seconds phải là số nguyên từ 1 đến {MAX_SECONDS}.",
            f"max_seconds must be an integer from 1 to {MAX_SECONDS}.",
            {"max_seconds": raw},
        )
    if isinstance(request, ASGIRequest):
        last_id = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
        body: Iterator[str] | AsyncIterator[bytes] = astream(scope, int(raw), last_id)
    else:
        body = stream(scope, int(raw))
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the events back
    return response
