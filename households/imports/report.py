"""The standardisation checks of an import (far from the street, out of sequence) and the report it keeps."""

from __future__ import annotations

from households import reports
from households.addresses import HouseNumber as Number
from households.imports.state import ImportState


class Report(ImportState):
    """The last checks of an import, over what the touched streets will hold after it, and its report."""

    def _standardisation(self) -> None:
        """Far from their street, out of sequence: over what the touched streets will hold after the import."""
        final: dict[tuple[int, str], reports.Placed] = {}
        for (street, number), (pk, _lon, _lat, x, y, _kp, main, suffix, prefix, alleys) in self.existing.items():
            house = Number(main, suffix, tuple(alleys), prefix)
            final[(street, number)] = reports.Placed(("id", pk), street, house, x, y)
        mine = []
        for key, i in self.keep.items():
            if i in self.issues.bad:
                continue
            placed = reports.Placed(("row", i), key[0], self.number(i), float(self.x[i]), float(self.y[i]))
            final[key] = placed
            mine.append(placed)
        streets_m = reports.streets_metric(list({s for s, _ in final}))
        for p, distance in reports.far_from_street(mine, streets_m):
            i = p.key[1]
            name = self.streets[p.street].name
            value = p.number.canonical()
            self.issues.add("far_from_street", None, self.row_no[i], value=value, street=name, distance=distance)
        for p in reports.out_of_sequence(list(final.values()), streets_m):
            kind, ref = p.key
            name = self.streets[p.street].name if p.street in self.streets else str(p.street)
            if kind == "row":
                self.issues.add("out_of_sequence", None, self.row_no[ref], value=p.number.canonical(), street=name)
            else:
                self.issues.add("out_of_sequence", None, None, value=p.number.canonical(), street=name, id=ref)

    def _report(self) -> dict:
        rejections = self.issues.section(warnings=False)
        warnings = self.issues.section(warnings=True)
        count = lambda code: self.issues.items.get(code, []).__len__()  # noqa: E731
        return {
            "file": self.job.file_name,
            "rows": self.n,
            "crs": self.crs_counts,
            "ward": self.job.ward_id,
            "created": self.job.created,
            "updated": self.job.updated,
            "unchanged": self.job.unchanged,
            "rejected": self.job.rejected,
            "rejections": rejections,
            "warnings": warnings,
            "standardisation": {
                "duplicates": count("duplicate") + count("duplicate_identical"),
                "unparseable": count("unparseable") + count("names_alley"),
                "outside_ward": count("outside_ward") + count("no_ward"),
                "far_from_street": count("far_from_street"),
                "out_of_sequence": count("out_of_sequence"),
            },
            "ignored_columns": self.table.ignored_columns,
            "seconds": self.timings,
        }
