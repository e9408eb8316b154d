"""One PostgreSQL LISTEN connection per server process, fanned out to every open event stream.

Under the ASGI server each process runs one event loop; its `Hub` holds the only connection that listens on
`portal_changes` and hands every notification to the streams that subscribed, each through a bounded
`asyncio.Queue`. A stream whose client does not read fast enough fills its queue: the hub drops that stream
(cancels its task, which closes the connection) instead of buffering without end or slowing the others; the
browser's EventSource reconnects and resumes with `Last-Event-ID`.

Event ids are `<boot>-<sequence>`: the sequence counts this process's notifications, `boot` tells processes (and
restarts) apart. A resume from an id this hub still remembers replays what came after it; any other id (another
process behind the proxy, a restart, a gap longer than the history) gets `resync`, and the page reloads what it
shows. When the listening connection breaks, the hub reconnects and tells every stream to `resync` too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from gisportal.params import is_whole

log = logging.getLogger(__name__)

CHANNEL = "portal_changes"
# Events waiting for one client; more and the client is too slow: it is dropped. The payloads are shared, so a
# full queue costs a client 8 kB of references; a burst (an import's statements) must not drop a reading client.
QUEUE_SIZE = 1024
HISTORY = 1024  # events kept for Last-Event-ID resume
LINGER_S = 30.0  # the connection stays this long after the last stream ends (reconnects are the common case)
RESYNC = "resync"


@dataclass(eq=False)
class Subscriber:
    scope: set[int] | None
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    task: asyncio.Task | None = None
    dropped: bool = False


# Callbacks told of every notification this process hears (frontend's area levels re-classify on them). They run
# on the event loop: each must only schedule its work.
_listeners: list[Callable[[dict], None]] = []


def on_change(listener: Callable[[dict], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def relevant(payload: dict, scope: set[int] | None) -> bool:
    """Whether a change concerns the wards this listener serves (None = every ward)."""
    wards = payload.get("wards")
    return scope is None or wards is None or bool(scope.intersection(wards))


class Hub:
    def __init__(self, conninfo: Callable[[], str]) -> None:
        self._conninfo = conninfo
        self.boot = secrets.token_hex(4)
        self.seq = 0
        self.history: deque[tuple[int, dict, bytes]] = deque(maxlen=HISTORY)
        self.subscribers: set[Subscriber] = set()
        self.listening = asyncio.Event()
        self.dropped = 0  # slow clients dropped since start (the bench reports it)
        self._task: asyncio.Task | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._conn: psycopg.AsyncConnection | None = None

    # --- subscribers ---

    async def subscribe(self, scope: set[int] | None) -> Subscriber:
        """A new stream; returns once the hub listens, so no change saved after this is missed."""
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        sub = Subscriber(scope, task=asyncio.current_task())
        self.subscribers.add(sub)
        try:
            await asyncio.wait_for(self.listening.wait(), timeout=10)
        except BaseException:
            self.unsubscribe(sub)
            raise
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        if not self.subscribers and self._linger is None:
            self._linger = asyncio.get_running_loop().call_later(LINGER_S, self._idle)

    def event_id(self, seq: int) -> str:
        return f"{self.boot}-{seq}"

    def since(self, last_id: str, scope: set[int] | None) -> list[bytes] | None:
        """The relevant events after `last_id`, or None when this hub cannot tell (the client must resync)."""
        boot, _, raw = last_id.partition("-")
        if boot != self.boot or not is_whole(raw):
            return None
        last = int(raw)
        if last > self.seq:
            return None
        oldest = self.history[0][0] if self.history else self.seq + 1
        if last + 1 < oldest and last != self.seq:
            return None  # the gap is longer than the history
        return [wire for seq, p, wire in self.history if seq > last and relevant(p, scope)]

    # --- the listening connection ---

    def wire(self, seq: int | None, payload: dict | str) -> bytes:
        """The event as sent: built once and shared by every stream (a thousand viewers, one encoding)."""
        head = f"id: {self.event_id(seq)}\n" if seq is not None else ""
        if payload == RESYNC:
            return (head + "event: resync\ndata: {}\n\n").encode()
        return (head + f"event: change\ndata: {json.dumps(payload)}\n\n").encode()

    def _publish(self, payload: dict) -> None:
        self.seq += 1
        item = (self.seq, payload, self.wire(self.seq, payload))
        self.history.append(item)
        for sub in list(self.subscribers):
            if relevant(payload, sub.scope):
                self._offer(sub, item)
        for listener in _listeners:
            try:
                listener(payload)
            except Exception:
                log.warning("event hub: a change listener failed", exc_info=True)

    def _offer(self, sub: Subscriber, item: tuple[int, dict | str, bytes]) -> None:
        try:
            sub.queue.put_nowait(item)
        except asyncio.QueueFull:
            self._drop(sub)

    def _drop(self, sub: Subscriber) -> None:
        """Back-pressure: the client is not reading; end its stream rather than hold its events."""
        sub.dropped = True
        self.dropped += 1
        self.unsubscribe(sub)
        if sub.task is not None and not sub.task.done():
            sub.task.cancel()

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo(), autocommit=True) as conn:
                    self._conn = conn
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if self.seq:  # a reconnection: what happened meanwhile is unknown
                        self.history.clear()
                        self.seq += 1
                        item = (self.seq, RESYNC, self.wire(self.seq, RESYNC))
                        for sub in list(self.subscribers):
                            self._offer(sub, item)
                    self.listening.set()
                    delay = 0.5
                    async for note in conn.notifies():
                        try:
                            payload = json.loads(note.payload)
                        except ValueError:
                            continue
                        self._publish(payload)
                        await asyncio.sleep(0)  # let the streams take it before the next of a burst
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("event hub: the LISTEN connection failed; reconnecting in %.1f s", delay, exc_info=True)
            finally:
                self._conn = None
                self.listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _idle(self) -> None:
        self._linger = None
        if not self.subscribers and self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub(conninfo: Callable[[], str]) -> Hub:
    """This event loop's hub (one per server process: the ASGI server runs one loop)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub(conninfo)
    return found


async def close() -> None:
    """Close this loop's hub and its connection (a server shutting down, a test ending)."""
    found = _hubs.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
