"""WebVTT parsing (what a captions upload must be) and which images lesson Markdown may show."""

from __future__ import annotations

import pytest

from courses.captions import Cue, check_language, clock, parse_vtt
from courses.uploads import UploadRefused
from lms.markdown import render_markdown

GOOD = (
    "\ufeffWEBVTT - Opioid tapering\r\n"
    "Kind: captions\r\n"
    "\r\n"
    "NOTE written by the course team\r\n"
    "\r\n"
    "intro\r\n"
    "00:00.000 --> 00:04.250 align:start\r\n"
    "<v Dr Rivera>Welcome to <b>safer</b> prescribing &amp; tapering.\r\n"
    "Two lines join.\r\n"
    "\r\n"
    "01:00:01.500 --> 01:00:03.000\r\n"
    "An hour in.\r\n"
)


def test_a_well_formed_file_gives_its_cues_without_markup():
    cues = parse_vtt(GOOD.encode())
    assert cues == [Cue(0.0, 4.25, "Dr Rivera: Welcome to safer prescribing & tapering. Two lines join."),
                    Cue(3601.5, 3603.0, "An hour in.")]
    assert [clock(c.start) for c in cues] == ["0:00", "1:00:01"]


@pytest.mark.parametrize("data, problem", [
    (b"", "WEBVTT"),
    (b"WEBVTTX\n\n00:00.000 --> 00:01.000\nhi\n", "WEBVTT"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nan SRT file\n", "WEBVTT"),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\ncommas are SRT\n", "malformed"),
    (b"WEBVTT\n\n00:01.00 --> 00:02.000\ntwo digits of ms\n", "malformed"),
    (b"WEBVTT\n\n00:61.000 --> 00:62.000\nsixty-one seconds\n", "malformed"),
    (b"WEBVTT\n\n00:05.000 --> 00:02.000\nends first\n", "end after"),
    (b"WEBVTT\n\n00:05.000 --> 00:06.000\nb\n\n00:01.000 --> 00:02.000\na\n", "order"),
    (b"WEBVTT\n\njust text, no timing\n", "cue timing"),
    (b"WEBVTT\n00:00.000 --> 00:01.000\nno blank line after the header\n", "blank line"),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\na\n00:01.000 --> 00:02.000\nb\n", "blank line"),
    (b"WEBVTT\n\nNOTE only a note\n", "no cues"),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfe not UTF-8\n", "UTF-8"),
    (b"\x00\x00\x00\x18ftypmp42 a video called captions.vtt", "NUL"),
    (b"\xff\xd8\xff\xe0 a JPEG called captions.vtt", "UTF-8"),
])
def test_malformed_files_are_refused_with_the_reason(data, problem):
    with pytest.raises(UploadRefused, match=problem):
        parse_vtt(data)


@pytest.mark.parametrize("code, ok", [("en", True), ("es-MX", True), ("zh-Hant", True), ("e", False),
                                      ("en_US", False), ("../../x", False), ("en-" + "x" * 20, False)])
def test_language_codes(code, ok):
    if ok:
        assert check_language(code) == code
    else:
        with pytest.raises(UploadRefused):
            check_language(code)


OWN = "/courses/7/images/0123456789abcdef0123456789abcdef"


def test_markdown_keeps_the_apps_own_course_images():
    html = str(render_markdown(f"![Conversion chart]({OWN})"))
    assert f'<img src="{OWN}" alt="Conversion chart">' in html


@pytest.mark.parametrize("source", [
    "https://tracker.example/pixel.png",
    "//tracker.example/pixel.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "javascript:alert(1)",
    "/courses/7/images/../../admin/users",
    "/courses/7/files/3",
    OWN + "?x=1",
    "/static/img/logo.svg",
])
def test_markdown_drops_every_other_image_source_and_keeps_the_alt_text(source):
    html = str(render_markdown(f"![the alt]({source})"))
    assert "<img" not in html
    assert "src=" not in html and "href=" not in html


def test_raw_img_tags_stay_text():
    html = str(render_markdown(f'<img src="{OWN}" onerror="alert(1)">'))
    assert "<img" not in html and "&lt;img" in html
