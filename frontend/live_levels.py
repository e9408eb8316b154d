"""Re-classify wards and their khu phố on the change events of this process's event hub (gisportal/event_hub.py),
off the loop.

A burst of notifications (an import's statements, a few officers saving at once) is gathered for DEBOUNCE_S and
classified once, in a thread: the loop serving the streams never waits on the database.
"""

from __future__ import annotations

import asyncio
import logging

from django.db import close_old_connections

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.2
_pending: set[int] = set()
_everything = False
_scheduled = False
_tasks: set[asyncio.Task] = set()  # the loop keeps only weak references to its tasks


def _classify(wards: set[int], everything: bool) -> None:
    from frontend import leader, levels

    close_old_connections()
    try:
        ids = [w.pk for w in leader.classified_wards()]
        levels.classify_wards(ids if everything else [w for w in ids if w in wards])
    except Exception:
        log.warning("levels: re-classification after a change failed", exc_info=True)
    finally:
        close_old_connections()


async def _flush() -> None:
    global _everything, _scheduled
    await asyncio.sleep(DEBOUNCE_S)
    wards, everything = set(_pending), _everything
    _pending.clear()
    _everything = _scheduled = False
    await asyncio.to_thread(_classify, wards, everything)


def on_change(payload: dict) -> None:
    """The hub's listener: note the wards touched, and classify them shortly."""
    global _everything, _scheduled
    wards = payload.get("wards")
    if wards is None:
        _everything = True
    else:
        _pending.update(w for w in wards if isinstance(w, int))
    if not _scheduled:
        _scheduled = True
        task = asyncio.get_running_loop().create_task(_flush())
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
