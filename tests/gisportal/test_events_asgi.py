"""The live-change stream under the ASGI server: one LISTEN connection per process shared by every viewer,
heartbeats, Last-Event-ID resume, and a slow client dropped without holding the others back."""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx2
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client

from businesses.models import Business
from gisportal import event_hub
from gisportal.models import Role
from tests import asgi_live
from tests.factories import AdminUnitFactory, BusinessFactory, square, user_with_role


@pytest.fixture
def asgi_server(transactional_db):
    yield from asgi_live.serve()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


class Viewer:
    """One EventSource, read in a thread: events as (id, name, data), comments counted."""

    def __init__(self, url: str, cookie: str, max_seconds: int, last_id: str | None = None) -> None:
        headers = {"Cookie": cookie}
        if last_id:
            headers["Last-Event-ID"] = last_id
        self.client = httpx2.Client(timeout=max_seconds + 10)
        self.url = f"{url}/api/v1/events?max_seconds={max_seconds}"
        self.headers = headers
        self.events: list[tuple[str | None, str, dict]] = []
        self.first_id: str | None = None
        self.keep_alives = 0
        self.connected = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.connected.wait(10), "the stream never said it was connected"

    def _read(self) -> None:
        with self.client.stream("GET", self.url, headers=self.headers) as response:
            buffer = b""
            for chunk in response.iter_raw():  # as the chunks arrive (line readers wait for more)
                if self.stop:
                    return
                buffer += chunk
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    self._block(block.decode())

    def _block(self, block: str) -> None:
        event_id, name = None, None
        for line in block.split("\n"):
            if line == ": connected":
                self.first_id = event_id
                self.connected.set()
            elif line == ": keep-alive":
                self.keep_alives += 1
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                self.events.append((event_id, name, json.loads(line[6:])))

    def changes(self) -> list[tuple]:
        return [(d["layer"], d["op"], d["wards"], d["count"]) for _, n, d in self.events if n == "change"]

    def join(self) -> None:
        self.thread.join(30)
        assert not self.thread.is_alive()

    def close(self) -> None:
        """Hang up (at the next heartbeat, a second at most in tests)."""
        self.stop = True
        self.join()


def wait_until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def listeners(dbname: str) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'LISTEN portal_changes%%'",
            [dbname],
        )
        return cur.fetchone()[0]


def test_every_viewer_of_a_process_shares_one_listen_connection_and_sees_its_wards_only(asgi_server):
    ward_a = AdminUnitFactory(boundary=square(106.70, 10.78, 0.005))
    ward_b = AdminUnitFactory(boundary=square(106.72, 10.78, 0.005))
    leader = session_cookie(user_with_role("leader_asgi", Role.DISTRICT_LEADER))
    officer_b = session_cookie(user_with_role("officer_asgi_b", Role.WARD_OFFICER, wards=[ward_b]))
    leaders = [Viewer(asgi_server.url, leader, 60) for _ in range(10)]
    officer = Viewer(asgi_server.url, officer_b, 60)
    assert listeners(connection.settings_dict["NAME"]) == 1

    business = BusinessFactory(ward=ward_a, owner_name="Chủ Bí Mật", geom=Point(106.70, 10.78, srid=4326))
    Business.objects.filter(pk=business.pk).update(signboard="Đổi tên")
    assert wait_until(lambda: all(len(v.events) >= 2 for v in leaders))
    BusinessFactory(ward=ward_b, geom=Point(106.72, 10.78, srid=4326))  # the officer's ward, at last
    assert wait_until(lambda: officer.events and all(len(v.events) >= 3 for v in leaders))
    time.sleep(1.2)  # a quiet second: a heartbeat (EVENTS_HEARTBEAT_S is 1 in tests)
    for viewer in [*leaders, officer]:
        viewer.close()

    for viewer in leaders:
        assert viewer.changes() == [
            ("businesses", "insert", [ward_a.pk], 1),
            ("businesses", "update", [ward_a.pk], 1),
            ("businesses", "insert", [ward_b.pk], 1),
        ]
        ids = [i for i, _, _ in viewer.events]
        assert len(set(ids)) == 3 and None not in ids
        assert viewer.keep_alives >= 1
    assert officer.changes() == [("businesses", "insert", [ward_b.pk], 1)]  # ward A's changes are not its business
    assert "Chủ Bí Mật" not in json.dumps([v.events for v in leaders], ensure_ascii=False)


def test_a_viewer_that_reconnects_with_last_event_id_gets_what_it_missed(asgi_server):
    ward = AdminUnitFactory(boundary=square(106.70, 10.78, 0.005))
    leader = session_cookie(user_with_role("leader_resume", Role.DISTRICT_LEADER))
    first = Viewer(asgi_server.url, leader, 60)
    business = BusinessFactory(ward=ward, geom=Point(106.70, 10.78, srid=4326))
    assert wait_until(lambda: first.events)
    first.close()
    assert first.changes() == [("businesses", "insert", [ward.pk], 1)]
    seen = first.events[-1][0]

    Business.objects.filter(pk=business.pk).update(signboard="Trong lúc mất kết nối")  # while it is away
    Business.objects.filter(pk=business.pk).update(signboard="Vẫn mất kết nối")
    time.sleep(0.3)
    again = Viewer(asgi_server.url, leader, 60, last_id=seen)
    assert wait_until(lambda: len(again.events) >= 2)
    again.close()
    assert again.changes() == [("businesses", "update", [ward.pk], 1)] * 2

    stranger = Viewer(asgi_server.url, leader, 60, last_id="0badb007-12")  # another process's id, or a restart
    assert wait_until(lambda: stranger.events)
    stranger.close()
    assert [n for _, n, _ in stranger.events] == ["resync"]


def test_a_client_that_stops_reading_is_dropped_and_the_others_still_get_every_change(asgi_server):
    ward = AdminUnitFactory(boundary=square(106.70, 10.78, 0.005))
    cookie = session_cookie(user_with_role("leader_slow", Role.DISTRICT_LEADER))
    fast = Viewer(asgi_server.url, cookie, 20)

    # The slow client: a raw socket with a tiny receive buffer that reads nothing after the headers.
    host = urlsplit(asgi_server.url)
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host.hostname, host.port))
    slow.sendall(
        f"GET /api/v1/events?max_seconds=20 HTTP/1.1\r\nHost: {host.netloc}\r\nCookie: {cookie}\r\n\r\n".encode()
    )
    greeting = b""
    while b": connected" not in greeting:
        got = slow.recv(4096)
        assert got, greeting
        greeting += got

    bursts = 3000  # ~7 kB each: far more than the kernel's and the server's buffers hold
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_notify('portal_changes', json_build_object('layer', 'bench', 'op', 'update', 'wards', NULL,"
            " 'count', i, 'pad', repeat('x', 7000))::text) FROM generate_series(1, %s) i",
            [bursts],
        )
    BusinessFactory(ward=ward, geom=Point(106.70, 10.78, srid=4326))

    def dropped() -> int:
        async def read() -> int:
            return sum(h.dropped for h in event_hub._hubs.values())

        return asgi_server.call(read())

    deadline = time.monotonic() + 15
    while dropped() < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert dropped() == 1  # the slow one, not the fast one
    slow.settimeout(10)
    while slow.recv(1 << 20):  # the server closed it: what was in flight, then the end
        pass
    slow.close()

    while len(fast.events) < bursts + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [d["count"] for _, n, d in fast.events if d.get("layer") == "bench"] == list(range(1, bursts + 1))
    assert fast.changes()[-1] == ("businesses", "insert", [ward.pk], 1)
    fast.close()
