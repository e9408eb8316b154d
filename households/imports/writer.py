"""Writing an import: new numbers by COPY, moved ones updated (version + 1), each with its history row, in one
transaction behind an advisory lock so that one import writes at a time."""

from __future__ import annotations

import numpy as np
from django.db import IntegrityError, connection, transaction

from gisportal.demo import copy_rows
from gisportal.errors import Conflict
from households import house_rows
from households.imports.state import ImportState
from households.models import HouseNumber, Street
from layers import history as feature_history
from layers.models import AdminUnit

LOCK_KEY = 0x5_0A_4E  # pg_advisory_xact_lock: one import writes at a time


class Writer(ImportState):
    """The stage of an import that writes what the checks let through."""

    def _address(self, i: int, street: Street) -> str:
        kp = self.kp_names.get(int(self.khu_pho[i]))
        ward = self.ward_names.get(int(self.ward[i]), "")
        return house_rows.canonical_address(self.number(i).canonical(), street.name, kp, ward)

    def _write(self, new: list[int], moved: list[tuple[int, int]]) -> None:
        kp_ids = {int(k) for k in np.unique(self.khu_pho) if k}
        self.kp_names = dict(AdminUnit.objects.filter(id__in=kp_ids).values_list("id", "name"))
        job = self.job
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                ids = house_rows.reserve_ids(house_rows.HOUSE_TABLE, len(new))
                geoms = list(house_rows.ewkb_hex(self.lon[new], self.lat[new])) if new else []
                rows = (
                    house_rows.house_row(
                        pk,
                        int(self.ward[i]),
                        int(self.khu_pho[i]) or None,
                        int(self.street[i]),
                        self.number(i),
                        self._address(i, self.streets[int(self.street[i])]),
                        g,
                        HouseNumber.Source.IMPORT,
                        job.pk,
                    )
                    for pk, i, g in zip(ids, new, geoms, strict=True)
                )
                copy_rows(house_rows.HOUSE_TABLE, house_rows.HOUSE_COLUMNS, rows)
                if moved:
                    rows_moved = [i for _, i in moved]
                    geoms = list(house_rows.ewkb_hex(self.lon[rows_moved], self.lat[rows_moved]))
                    updates = [
                        (pk, g, int(self.khu_pho[i]) or None, self._address(i, self.streets[int(self.street[i])]))
                        for (pk, i), g in zip(moved, geoms, strict=True)
                    ]
                    _update_moved(job.pk, updates)
                write_history(job.pk, job.user_id, f"import #{job.pk}")
                if len(new) > 10_000:
                    with connection.cursor() as cur:
                        cur.execute("ANALYZE households_housenumber")
        except IntegrityError as exc:
            # Another import (or an edit) filed one of these numbers between our check and our write.
            raise Conflict(
                "Một số nhà trong tệp vừa được nhập bởi người khác; hãy nhập lại tệp.",
                "A number in the file was just filed by someone else; import the file again.",
                {"reason": str(exc).splitlines()[0]},
            ) from exc


def _update_moved(import_id: int, rows: list[tuple]) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE house_import_moved (id bigint, geom geometry(Point, 4326), khu_pho_id bigint,"
            " address text) ON COMMIT DROP"
        )
        copy_rows("house_import_moved", ["id", "geom", "khu_pho_id", "address"], rows)
        # Numbers written before history rows existed keep their place before this move as version 1.
        feature_history.ensure_baselines_sql(cur, HouseNumber, [r[0] for r in rows])
        cur.execute(
            """UPDATE households_housenumber h
                  SET geom = m.geom, khu_pho_id = m.khu_pho_id, address = m.address,
                      version = h.version + 1, house_import_id = %s
                 FROM house_import_moved m WHERE h.id = m.id""",
            [import_id],
        )
        cur.execute("DROP TABLE house_import_moved")


def write_history(import_id: int, user_id: int | None, reason: str) -> None:
    """One history row per number this import created ('+') or moved ('~'), in one statement."""
    historical = HouseNumber.history.model
    columns = [str(f.column) for f in HouseNumber._meta.concrete_fields if not f.generated]
    cols = ", ".join(columns)
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {historical._meta.db_table}
                   ({cols}, history_date, history_type, history_user_id, history_change_reason)
                SELECT {cols}, now(), CASE WHEN version = 1 THEN '+' ELSE '~' END, %s, %s
                  FROM households_housenumber WHERE house_import_id = %s""",
            [user_id, reason, import_id],
        )
