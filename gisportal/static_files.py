"""Static files served by whitenoise, under ASGI too.

Whitenoise (6.x) answers with a file response that Django streams from a synchronous iterator; under ASGI (uvicorn:
`make run`, docker) Django's handler then warns, for every file, that a StreamingHttpResponse must consume
synchronous iterators to serve them asynchronously, and reads the whole file into memory before sending it
(whitenoise issue #531; its ASGI support, PR #359, is unreleased). Here the file is read in blocks from a worker
thread, through an asynchronous iterator, when the request came through ASGI; under WSGI nothing changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware

BLOCK = 64 * 1024  # a block per trip to the worker thread: the portal's largest scripts take a few trips


async def _blocks(file: IO[bytes] | None) -> AsyncIterator[bytes]:
    if file is None:  # HEAD, 304: headers only
        return
    read = sync_to_async(file.read, thread_sensitive=False)
    while block := await read(BLOCK):
        yield block


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """Whitenoise's middleware (settings.MIDDLEWARE), its file streamed asynchronously to an ASGI server."""

    @staticmethod
    def serve(static_file: Any, request: HttpRequest) -> HttpResponseBase:
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if isinstance(request, ASGIRequest):
            # The file stays the response's to close (FileResponse registered it when it was first set).
            response.streaming_content = _blocks(response.file_to_stream)
        return response
