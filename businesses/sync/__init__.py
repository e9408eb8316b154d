"""Sync business households from the registration software: read a file, check every row, upsert all or nothing.

`sync_files.read_rows` turns a CSV or XLSX into rows keyed by our field names (`normalise_rows` does
the same for JSON rows); `sync` checks every row and collects every rejection. One rejected row and nothing
is written: the run and its report are saved for the officer to fix the file. Otherwise, inside one
transaction, businesses are created or updated by registration number (version + 1, a history row),
the unchanged ones counted, and a full sync marks (never deletes) the active businesses it did not
carry, for review.

A column the file does not carry is left as it is on existing businesses: a file without `status`
does not reactivate a suspended shop.

The package, in the order a run goes through it:
- `run.py`: `sync()`, one run from rows to a saved `SyncRun`, its status following each stage;
- `checks.py`: every value of every row checked (`check_rows`), `messages.py` saying why a row is refused;
- `places.py`: the ward and khu phố under each point, the house number at each address (the geocoder);
- `writer.py`: the upsert in set-based SQL, history rows, the missing marks of a full sync;
- `report.py`: a run as the API and the command show it (`summary`).
"""

from businesses.sync.report import summary
from businesses.sync.run import sync

__all__ = ["summary", "sync"]
