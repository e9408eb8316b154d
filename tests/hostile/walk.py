"""How tests/hostile/ sends hostile inputs: each refused with a 4xx in the portal's error shape ({"error",
"message" (vi), "message_en"}), and nothing written (every data table's row count and checksum the same before and
after). One test per endpoint walks its inputs; the ids and the count tried are printed (`-s`), and each test
asserts it tried them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.hostile import inputs as h
from tests.hostile.snapshot import changed, snapshot

Send = Callable[[Client], object]
TRIED: dict[str, int] = {}


def client_for(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def post_json(url: str, body, method: str = "post", **headers) -> Send:
    data = body if isinstance(body, bytes | str) else h.dumps(body)
    return lambda c: getattr(c, method)(url, data=data, content_type="application/json", headers=headers)


def post_form(url: str, **fields) -> Send:
    return lambda c: c.post(url, fields)


def upload(url: str, name: str, data: bytes, **fields) -> Send:
    return lambda c: c.post(url, {"file": SimpleUploadedFile(name, data), **fields})


def walk(world, endpoint: str, client: Client, cases: Iterator[tuple[str, Send]], valid: Send) -> None:
    """Send every hostile case, then `valid`: the same request done right must succeed and write, so each
    refusal above is for what the case changed and not for something else the request lacked."""
    problems, tried = [], 0
    after = snapshot()
    for case_id, send in cases:
        tried += 1
        before = after  # building a case only builds a request: the state after one case is the state before the next
        response = send(client)
        after = snapshot()
        status = response.status_code
        try:
            body = response.json()
        except (ValueError, TypeError):
            body = None
        if not 400 <= status < 500:
            problems.append(f"{case_id}: {status} {response.content[:200]!r}")
        elif not (isinstance(body, dict) and body.get("error") and body.get("message") and body.get("message_en")):
            problems.append(f"{case_id}: {status} without the error body: {response.content[:200]!r}")
        if diff := changed(before, after):
            problems.append(f"{case_id}: {status} but wrote {sorted(diff)}")
    before = after
    response = valid(client)
    if not 200 <= response.status_code < 300 or not changed(before, snapshot()):
        problems.append(f"the valid request: {response.status_code} {response.content[:300]!r}")
    TRIED[endpoint] = tried
    print(f"\n{endpoint}: {tried} hostile inputs, {len(problems)} problems")
    assert not problems, "\n".join(problems)


def text_cases(make: Callable[[str, str], Send]) -> Iterator[tuple[str, Send]]:
    for text_id, text in h.HOSTILE_TEXT:
        yield text_id, make(text_id, text)
