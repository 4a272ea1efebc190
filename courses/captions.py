"""WebVTT captions for video lessons: checked before anything is stored, served as text/vtt, and
read back into a transcript shown under the video.

A file is accepted only if it is UTF-8, starts with the ``WEBVTT`` signature, and every cue has a
well-formed timing line (``[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt``, end after start, cues in start
order). The transcript is the cues' text without WebVTT's markup tags, speakers (``<v Name>``) named.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from courses.uploads import UploadRefused, spool, stored_path, upload_dir
from lms.phi import message as phi_message, scan

MAX_CAPTION_BYTES = 1024 * 1024
MAX_CUES = 20_000
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")  # a BCP 47 tag: "en", "es-MX", "zh-Hant"
_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t]+(.*))?$")
_TAG = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]+)>")  # <v Dr Rivera>: the transcript names the speaker
_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # the payload without markup tags, entities decoded, lines joined by spaces


def _seconds(hours, minutes, seconds, millis) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse_vtt(data: bytes) -> list[Cue]:
    """The cues of a WebVTT file; UploadRefused naming the first problem (with its line) otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadRefused("The captions file is not UTF-8 text.") from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise UploadRefused("The captions file contains a NUL character.")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _HEADER.match(lines[0]):
        raise UploadRefused("A WebVTT file starts with the line “WEBVTT”.")
    cues: list[Cue] = []
    n = 1
    while n < len(lines) and lines[n].strip():  # header lines, up to the first blank line
        if "-->" in lines[n]:
            raise UploadRefused(f"Line {n + 1}: a blank line must separate “WEBVTT” from the first cue.")
        n += 1
    while n < len(lines):
        if not lines[n].strip():
            n += 1
            continue
        block_start = n
        block = []
        while n < len(lines) and lines[n].strip():
            block.append(lines[n])
            n += 1
        first = block[0]
        if first.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in first:
            continue
        timing_at = 0 if "-->" in first else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise UploadRefused(f"Line {block_start + 1}: expected a cue timing such as “00:00:01.000 --> 00:00:04.000”.")
        match = _TIMING.match(block[timing_at].strip())
        if not match:
            raise UploadRefused(f"Line {block_start + timing_at + 1}: the cue timing is malformed "
                                "(use hh:mm:ss.ttt or mm:ss.ttt, e.g. “00:01.000 --> 00:04.500”).")
        start, end = _seconds(*match.group(1, 2, 3, 4)), _seconds(*match.group(5, 6, 7, 8))
        if end <= start:
            raise UploadRefused(f"Line {block_start + timing_at + 1}: a cue must end after it starts.")
        if cues and start < cues[-1].start:
            raise UploadRefused(f"Line {block_start + timing_at + 1}: cues must be in order of their start time.")
        if any("-->" in line for line in block[timing_at + 1:]):
            raise UploadRefused(f"Line {block_start + 1}: a blank line must separate one cue from the next.")
        payload = " ".join(html.unescape(_TAG.sub("", _VOICE.sub(r"\1: ", line))).strip()
                           for line in block[timing_at + 1:])
        cues.append(Cue(start, end, " ".join(payload.split())))
        if len(cues) > MAX_CUES:
            raise UploadRefused(f"The captions file has more than {MAX_CUES} cues.")
    if not cues:
        raise UploadRefused("The captions file has no cues.")
    return cues


@dataclass(frozen=True)
class StoredCaptions:
    stored_name: str
    size: int
    cues: tuple[Cue, ...]


def store_captions(stream) -> StoredCaptions:
    """Store a WebVTT file if it parses, is at most 1 MB and passes the PHI guard; nothing is kept otherwise."""
    path, size = spool(stream, MAX_CAPTION_BYTES, upload_dir())
    try:
        cues = parse_vtt(path.read_bytes())
        # Captions are lesson content: the same guard as every educator-written text.
        result = scan("\n".join(cue.text for cue in cues))
        if result.blocked:
            raise UploadRefused(phi_message(result))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredCaptions(path.name, size, tuple(cues))


def check_language(language: str) -> str:
    if not LANGUAGE.match(language or ""):
        raise UploadRefused("Give the language as a code such as “en” or “es-MX”.")
    return language


def transcript(stored_name: str) -> tuple[Cue, ...]:
    """The cues of a stored captions file (at most ``MAX_CAPTION_BYTES``, read when shown); () if unreadable."""
    try:
        path: Path = stored_path(stored_name)
        return tuple(parse_vtt(path.read_bytes()))
    except (FileNotFoundError, UploadRefused, OSError):
        return ()


def lesson_transcript(lesson) -> tuple[Cue, ...]:
    """The transcript under a video: the cues of its first captions track."""
    return transcript(lesson.captions[0].stored_name) if lesson.captions else ()


def clock(seconds: float) -> str:
    """``1:05`` or ``1:02:05``: a cue's start as people read it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
