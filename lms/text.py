"""Text that people type, made safe to store and to show.

- Bidirectional controls (U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates, the
  LRM/RLM/ALM marks) let a name read backwards on a certificate or hide a file's real extension
  ("invoice\u202Efdp.exe"); they are removed from form input before storage and from every output
  (pages, CSV, certificates, download names), so rows stored before this rule are covered too.
- Emails are normalised so one mailbox is one account: NFKC (fullwidth "ａdmin" is "admin"), the
  domain in IDNA ASCII form, everything lower-case.
"""

from __future__ import annotations

import re
import unicodedata

import idna
from markupsafe import Markup

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_STRIP_BIDI = {ord(ch): None for ch in BIDI_CONTROLS}
_FIND_BIDI = re.compile(f"[{BIDI_CONTROLS}]").search
# C0 and C1 controls except tab, line feed and carriage return (free text keeps its lines).
_CONTROLS = {code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}
_CONTROLS_BUT_NUL = {code: None for code in _CONTROLS if code}
_UNSAFE_IN_FILENAMES = re.compile(r'[\\/:*?"<>|;\x00-\x1f\x7f]+')


def strip_bidi(value):
    """``value`` without bidirectional controls (non-strings returned unchanged)."""
    return value.translate(_STRIP_BIDI) if isinstance(value, str) else value


def _has_bidi(text: str) -> bool:
    # Bidi controls are never ASCII, so most text is answered at once (``isascii`` is O(1)); the rest
    # by one C-speed search. Translating every value instead copies it, and a long page fragment
    # with one non-ASCII character took milliseconds to copy.
    return not text.isascii() and _FIND_BIDI(text) is not None


def output_text(value):
    """Jinja's ``finalize``: every value a template prints loses its bidi controls (Markup stays Markup)."""
    if isinstance(value, Markup):
        return Markup(str.translate(value, _STRIP_BIDI)) if _has_bidi(value) else value
    if isinstance(value, str):
        # A str subclass (an enum member) is printed as its plain value, as it always was.
        return value.translate(_STRIP_BIDI) if type(value) is not str or _has_bidi(value) else value
    return value


def clean_text(value, *, keep_nul: bool = False):
    """Free text without bidi controls or control characters (tabs and line breaks kept).

    ``keep_nul`` leaves NUL bytes for the request check that refuses them with a 400.
    """
    if not isinstance(value, str):
        return value
    return value.translate(_STRIP_BIDI).translate(_CONTROLS_BUT_NUL if keep_nul else _CONTROLS)


def safe_filename(name: str | None, fallback: str = "download") -> str:
    """A download name with no bidi or control characters, path separators or quotes, at most 150 characters."""
    text = unicodedata.normalize("NFC", clean_text(name or ""))
    text = _UNSAFE_IN_FILENAMES.sub("_", text.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" ._")
    if len(text) > 150:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:140] + dot + ext[:9]) if dot and len(ext) <= 9 else text[:150]
    return text or fallback


def normalise_email(email: str | None) -> str:
    """One mailbox, one spelling: NFKC, bidi and control characters removed, IDNA domain, lower case.

    A domain IDNA refuses is kept in its NFKC lower-case form (the email validator refuses it later).
    """
    text = unicodedata.normalize("NFKC", clean_text(email or "")).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    domain = domain.rstrip(".").lower()
    try:
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    return f"{local.lower()}@{domain.lower()}"
