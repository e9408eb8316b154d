"""What the address parser returns: a house number, a parsed address, and the error for text that is none.

``HouseNumber`` sorts and prints the way plates are read along a street; ``ParsedAddress`` holds each
component for display and its folded ``*_key`` for matching (see ``parser`` for how they are read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

CITY = "Thành phố Hồ Chí Minh"
COMPONENTS = ("house", "street", "khu_pho", "ward", "district")


class AddressError(ValueError):
    """The text holds no address at all (empty, or nothing we recognise); never raised for a mere gap."""


@dataclass(frozen=True)
class HouseNumber:
    """A house number: main number, letter suffix, alley path.  '109F/10bis' → main 109, 'F', ('10bis',).

    Single letters are upper-cased ('12a' → '12A'); 'bis' and 'ter' stay lower-case, as on the city's
    number plates ('12bis').  ``prefix`` holds a lot or block letter glued in front ('B8/214', 'K52').
    """

    main: int
    main_suffix: str
    alleys: tuple[str, ...]
    prefix: str = ""

    def canonical(self) -> str:
        """'123/4/5A': the number as a single comparable string."""
        return "/".join((f"{self.prefix}{self.main}{self.main_suffix}", *self.alleys))

    def sort_key(self) -> str:
        """A string that sorts as numbers are walked along a street: 12 < 12/1 < 12A < 12bis < 13 < 120."""
        head = f"{self.prefix:<2}{self.main:05d}{self.main_suffix:<3}"
        return head + "".join("/" + _sort_part(alley) for alley in self.alleys)

    def alley_path(self) -> str:
        """'123/4' for '123/4/5A': the alley the house stands in ('' for a street-front number)."""
        return "/".join(self.canonical().split("/")[:-1])


@dataclass(frozen=True)
class ParsedAddress:
    """One address split into components; ``*_key`` fields are folded for matching, the rest for display."""

    raw: str
    house: HouseNumber | None
    is_alley: bool  # a hẻm / HXH / kiệt / ngõ address, or a number with alley segments
    street: str | None  # "Lê Văn Việt", "Đường số 7", "Đường 3/2"
    street_key: str | None  # "le van viet", "so 7", "3/2": without the word "đường"
    khu_pho: str | None  # "3", "Tiền Lân"
    ward: str | None  # "Phường 9", "Phường Hiệp Phú", "Xã Bình Hưng"
    ward_key: str | None
    district: str | None  # legacy level: "Quận 1", "Thành phố Thủ Đức", "Huyện Bình Chánh"
    district_key: str | None
    city: str | None  # always the city: read, or implied (this portal only serves HCMC)
    missing: tuple[str, ...]
    guessed: tuple[str, ...]
    names_alley: bool = False  # the number is the alley's own ("Hẻm 158/38/15", "HXH 330/"), not a house in it
    khu_pho_kind: str | None = None  # "Khu phố" in town, "Ấp" in the countryside

    def canonical(self) -> str:
        """'123/4/5A Lê Văn Việt, Khu phố 3, Phường Hiệp Phú, Thành phố Thủ Đức, Thành phố Hồ Chí Minh'."""
        head = ""
        if self.house:
            head = ("Hẻm " if self.names_alley else "") + self.house.canonical()
        if self.street:
            head = f"{head} {self.street}".strip()
        khu_pho = f"{self.khu_pho_kind} {self.khu_pho}" if self.khu_pho else None
        return ", ".join(p for p in (head, khu_pho, self.ward, self.district, self.city) if p)

    def as_dict(self) -> dict:
        """JSON-ready: every field (the house as parts and as a string) and the canonical address."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.house:
            data["house"] = {f.name: getattr(self.house, f.name) for f in fields(self.house)}
            data["house"] |= {"alleys": list(self.house.alleys), "canonical": self.house.canonical()}
        return data | {"missing": list(self.missing), "guessed": list(self.guessed), "canonical": self.canonical()}


def _sort_part(alley: str) -> str:
    """'5A' → '  00005A   ', '1N1' → '  00001N1  ': letters, zero-padded digits, the rest, at fixed widths."""
    m = re.match(r"([A-Z]*)(\d+)(.*)", alley)
    if not m:
        return alley
    return f"{m[1]:<2}{int(m[2]):05d}{m[3]:<4}"
