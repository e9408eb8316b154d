"""Addresses: reading them (the parser), and finding them on the map (the geocoder, suggestions).

- ``parser``: ``parse_address``, ``parse_house_number``, ``street_key``; the parsed forms in ``parsed``,
  and the steps behind them: ``vocabulary`` (keywords, patterns), ``segments`` (cutting the text),
  ``classify`` (what each segment is);
- ``ward_names``: ward names as addresses write them → today's wards, pre-merger names included;
- ``geocode``: forward (address → house number) and reverse geocoding over an in-memory index;
- ``suggest``: suggestions while one types; ``fuzzy``: the closest name for a misspelt one.

The parser's public names are importable from here: ``from households.addresses import parse_address``.
"""

from households.addresses.parsed import CITY, AddressError, HouseNumber, ParsedAddress
from households.addresses.parser import parse_address, parse_house_number, street_key

__all__ = [
    "CITY",
    "AddressError",
    "HouseNumber",
    "ParsedAddress",
    "parse_address",
    "parse_house_number",
    "street_key",
]
