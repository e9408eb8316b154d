"""The portal under the ASGI server it runs on in production (uvicorn), in a thread of the test process.

Django's `live_server` is a WSGI server; the live-change streams' shared LISTEN connection, resume and
back-pressure exist only under ASGI, so their tests serve `gisportal.asgi` with uvicorn against the test
database (transactional tests: the server's connections see committed rows only).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class AsgiServer:
    url: str
    loop: asyncio.AbstractEventLoop

    def call(self, coro, timeout: float = 10):
        """Run a coroutine in the server's event loop (to look at its hub)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve() -> Iterator[AsgiServer]:
    """For a test module's fixture (which must ask for `transactional_db`): `yield from asgi_live.serve()`."""
    import uvicorn

    from gisportal import event_hub
    from gisportal.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning", timeout_graceful_shutdown=3
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        try:
            await server.serve()
        finally:
            await event_hub.close()  # the hub's LISTEN connection must not outlive the test database

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "uvicorn did not start"
    handle = AsgiServer(f"http://127.0.0.1:{port}", loops[0])
    yield handle
    from asgiref.sync import sync_to_async
    from django.db import connections

    # The fast path keeps its thread's connection between requests (gisportal/fastpath.py): hand it back, in
    # that thread, before the pool closes.
    handle.call(sync_to_async(connections.close_all, thread_sensitive=True)())
    server.should_exit = True
    thread.join(15)
    # The server's threads borrowed from the process's connection pool: hand those back to PostgreSQL, or the
    # test database cannot be dropped at the end of the session.
    connections["default"].close_pool()
