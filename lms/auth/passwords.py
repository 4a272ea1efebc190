"""Password policy and hashing (Argon2id).

The policy follows NIST SP 800-63B: a minimum length, no composition rules, a check
against common passwords, long passphrases and any Unicode accepted (normalised NFKC
so the same passphrase typed on two keyboards matches).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 4096  # bounds hashing work; far beyond any passphrase

# The 20,000 most common passwords (Royce Williams' list, as shipped by Django, BSD licence).
_COMMON_PATH = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_PATH, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)


def _guessable(lowered: str) -> bool:
    """A common password, one padded with digits or symbols, a repetition, or a short number."""
    common = _common_passwords()
    if lowered in common or len(set(lowered)) < 4:
        return True
    stripped = lowered.rstrip("0123456789!@#$%^&*?.")
    if len(stripped) >= 4 and stripped in common:
        return True
    repeated = _REPEATED.fullmatch(lowered)
    if repeated and (repeated.group(1) in common or len(repeated.group(1)) < 4):
        return True
    return lowered.isdigit() and len(lowered) < 16


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> list[str]:
    """Reasons the password is refused; an empty list means it is acceptable."""
    password = normalise(password or "")
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters; a short phrase of several words works well.")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if _guessable(password.lower()):
        problems.append("This password is too common and easy to guess; choose another.")
    lowered = password.lower()
    local_part = email.split("@")[0].lower() if email else ""
    personal = [p.lower() for p in (local_part, *names) if p and len(p) >= 4]
    if any(lowered == p or lowered.startswith(p) and len(lowered) - len(p) < 4 for p in personal):
        problems.append("Do not base the password on your name or email address.")
    return problems


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher(config) -> PasswordHasher:
    params = config.get("PASSWORD_HASH_PARAMS") or (3, 65536, 4)  # RFC 9106 second recommended option
    return _hasher(*params)


def hash_password(password: str, config) -> str:
    return hasher(config).hash(normalise(password))


@lru_cache(maxsize=4)
def _dummy_hash(ph: PasswordHasher) -> str:
    return ph.hash("timing-equaliser")


def verify_password(stored_hash: str | None, password: str, config) -> bool:
    """Check a password; for a missing account, spend the same time and fail."""
    ph = hasher(config)
    try:
        if not stored_hash:
            ph.verify(_dummy_hash(ph), normalise(password or ""))
            return False
        return ph.verify(stored_hash, normalise(password or ""))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, config) -> bool:
    return hasher(config).check_needs_rehash(stored_hash)
