"""Verification codes: 130 random bits in Crockford base32 with its mod-37 check symbol.

Crockford's alphabet leaves out I, L, O and U, so a code read off paper survives; lookups
forgive case, dashes, spaces and the look-alikes (I and L read as 1, O as 0).
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = ALPHABET + "*~$=U"
BITS = 130
LENGTH = BITS // 5  # 26 symbols of data, then one check symbol
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def check_symbol(data: str) -> str:
    value = 0
    for ch in data:
        value = value * 32 + ALPHABET.index(ch)
    return CHECK_SYMBOLS[value % 37]


def new_code() -> str:
    """A fresh code for display, e.g. ``7K3M-...-Q`` (groups of four)."""
    value = secrets.randbits(BITS)
    data = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))
    return group(data + check_symbol(data))


def group(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(raw: str | None) -> str:
    """Upper-case, drop dashes and spaces, read I and L as 1 and O as 0."""
    text = "".join((raw or "")[:80].upper().split()).replace("-", "")
    return text.translate(_LOOK_ALIKES)


def is_well_formed(code: str) -> bool:
    if len(code) != LENGTH + 1 or any(ch not in ALPHABET for ch in code[:-1]):
        return False
    return check_symbol(code[:-1]) == code[-1]


def code_hash(raw: str | None) -> str:
    """The indexed lookup key: the same work for every input, known or not."""
    return hashlib.sha256(normalise(raw).encode()).hexdigest()
