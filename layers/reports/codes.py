"""Tracking codes: 10 characters of an alphabet without look-alikes (no 0/O, no 1/I), 50 random bits."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str:
    """A code as a citizen may type it: lower case, with spaces or dashes."""
    return "".join(c for c in (raw or "").upper() if c not in " -")


def looks_valid(code: str) -> bool:
    return len(code) == LENGTH and all(c in ALPHABET for c in code)
