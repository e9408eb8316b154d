"""The 2025 unit table's rows and their names, shared by the loader (`units2025.py`) and the boundary
dissolver (`units2025_boundaries.py`), so that neither imports the other's module to read a table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gisportal.text import fold

_LEVEL_WORDS = ("phuong ", "xa ", "thi tran ", "dac khu ", "quan ", "huyen ", "thanh pho ", "thi xa ")


@dataclass
class Row:
    line: int
    period: str
    level: str
    code: str
    name: str
    kind: str
    area_km2: float | None
    parent: str
    former_districts: str
    province: str
    predecessors: list[str] = field(default_factory=list)  # tokens as written, resolved to codes by check()


@dataclass
class Table:
    current: list[Row]
    former_wards: dict[str, Row]
    former_districts: dict[str, Row]
    successors: dict[str, list[str]]  # former ward code → today's unit codes, in table order


def bare(name: str) -> str:
    """'Phường Bàn Cờ' → 'ban co'; 'Quận 3' → '3'; 'Qui Đức' and 'Quy Đức' fold alike."""
    key = re.sub(r"\bqui\b", "quy", fold(name))
    for word in _LEVEL_WORDS:
        if key.startswith(word):
            return key[len(word) :]
    return key
