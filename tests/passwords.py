"""A password hasher for the test processes only: Django's PBKDF2 (the same `pbkdf2_sha256` algorithm, so any
portal process still checks these hashes) at 1,000 rounds instead of a million.

Every test world makes five users, each with a password: at Django's million rounds that was about half a second of
CPU per user, more than the rest of most tests. tests/gisportal/test_security_settings.py shows that the portal
itself (its settings, outside pytest) still hashes at the full count.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FewRoundsPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
